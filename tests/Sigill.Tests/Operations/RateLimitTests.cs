using System.Net;
using System.Text.Json;
using Sigill.Tests.Infrastructure;

namespace Sigill.Tests.Operations;

/// <summary>
/// Request-rate limits of the API tier (issue 21, item 3), through the public web tier: a burst per credential and per
/// client address, then 429 <c>rate_limited</c> with Retry-After and RateLimit headers; other credentials and the health
/// endpoints are not held up, and the bucket refills.
/// </summary>
public sealed class RateLimitTests
{
    [Fact]
    public async Task A_credential_over_its_burst_gets_429_with_retry_after_while_another_credential_and_health_are_served_and_it_refills()
    {
        await using var app = await SigillApp.StartAsync("""{ "RateLimits": { "PerCredentialPerSecond": 1, "PerCredentialBurst": 5 } }""");
        var a = await app.SetUpOrganizationAsync("Rate A", "eu");
        var b = await app.SetUpOrganizationAsync("Rate B", "eu");
        using var first = app.Web(a.ApiToken);
        using var second = app.Web(b.ApiToken);

        var statuses = new List<HttpStatusCode>();
        HttpResponseMessage? refused = null;
        for (var i = 0; i < 12 && refused is null; i++)
        {
            var response = await first.GetAsync("/api/v1/documents");
            statuses.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.TooManyRequests) refused = response;
            else response.Dispose();
        }
        Assert.NotNull(refused);
        using (refused)
        {
            // The burst of five went through (a sixth may have been refilled meanwhile on a slow machine), then the refusal.
            Assert.True(statuses.Count(s => s == HttpStatusCode.OK) >= 5, string.Join(", ", statuses));
            Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
            var problem = JsonDocument.Parse(await refused.Content.ReadAsStringAsync()).RootElement;
            Assert.Equal("rate_limited", problem.GetProperty("code").GetString());
            Assert.Contains("from one credential", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
            var retryAfter = int.Parse(refused.Headers.GetValues("Retry-After").Single(), System.Globalization.CultureInfo.InvariantCulture);
            Assert.InRange(retryAfter, 1, 5);
            Assert.Equal("5", refused.Headers.GetValues("RateLimit-Limit").Single());
            Assert.Equal("0", refused.Headers.GetValues("RateLimit-Remaining").Single());
            Assert.Equal(retryAfter.ToString(System.Globalization.CultureInfo.InvariantCulture), refused.Headers.GetValues("RateLimit-Reset").Single());

            // Another organization's token has its own bucket; health is never limited.
            Assert.Equal(HttpStatusCode.OK, (await second.GetAsync("/api/v1/documents")).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await first.GetAsync("/health/ready")).StatusCode);

            // After the wait it was told, the first token is served again.
            await Task.Delay(TimeSpan.FromSeconds(retryAfter) + TimeSpan.FromMilliseconds(200));
            Assert.Equal(HttpStatusCode.OK, (await first.GetAsync("/api/v1/documents")).StatusCode);
        }
    }

    [Fact]
    public async Task One_address_over_its_burst_is_refused_whichever_credential_it_uses_and_a_refused_write_stores_nothing()
    {
        await using var app = await SigillApp.StartAsync("""{ "RateLimits": { "PerAddressPerSecond": 1, "PerAddressBurst": 8, "PerCredentialPerSecond": 0 } }""");
        var a = await app.SetUpOrganizationAsync("Rate C", "eu");
        var b = await app.SetUpOrganizationAsync("Rate D", "eu");
        using var first = app.Web(a.ApiToken);
        using var second = app.Web(b.ApiToken);

        HttpResponseMessage? refused = null;
        for (var i = 0; i < 20 && refused is null; i++)
        {
            var response = await (i % 2 == 0 ? first : second).GetAsync("/api/v1/documents");
            if (response.StatusCode == HttpStatusCode.TooManyRequests) refused = response;
            else response.Dispose();
        }
        Assert.NotNull(refused);
        using (refused)
        {
            var problem = JsonDocument.Parse(await refused.Content.ReadAsStringAsync()).RootElement;
            Assert.Equal("rate_limited", problem.GetProperty("code").GetString());
            Assert.Contains("from one address", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }

        // A write refused by the limit never reaches the endpoint: no document appears. (The bucket refills a token a
        // second, so on a slow machine the upload may find one: drain again and retry, a few times at most.)
        var uploadRefused = false;
        var accepted = 0;
        for (var attempt = 0; attempt < 5 && !uploadRefused; attempt++)
        {
            for (var drained = false; !drained;)
            {
                using var get = await first.GetAsync("/api/v1/documents");
                drained = get.StatusCode == HttpStatusCode.TooManyRequests;
            }
            using var upload = await Sigill.Tests.Documents.DocumentKit.UploadAsync(first, "Refused by the rate limit", Sigill.Tests.Documents.DocumentKit.SamplePdf("x"));
            uploadRefused = upload.StatusCode == HttpStatusCode.TooManyRequests;
            if (!uploadRefused)
            {
                Assert.True(upload.IsSuccessStatusCode, $"{(int)upload.StatusCode}");
                accepted++;
            }
        }
        Assert.True(uploadRefused, "every upload found a refilled token");
        await Task.Delay(TimeSpan.FromSeconds(2.5));
        // Only the uploads that found a token made documents; the refused one did not.
        var list = JsonDocument.Parse(await first.GetStringAsync("/api/v1/documents")).RootElement.GetRawText();
        var made = System.Text.RegularExpressions.Regex.Matches(list, "Refused by the rate limit").Count;
        Assert.Equal(accepted, made);
    }
}
