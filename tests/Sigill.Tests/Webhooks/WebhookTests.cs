using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Sigill.Api.Features.Webhooks;
using Sigill.Api.Platform.Jobs;
using Sigill.Tests.Infrastructure;
using static Sigill.Tests.Documents.DocumentKit;

namespace Sigill.Tests.Webhooks;

/// <summary>Signed delivery, retries, dead letters and the SSRF guard; the delivery flows on both backends, each test with an app of its own.</summary>
public sealed class WebhookTests
{
    private const string LoopbackAllowed = "{" + AppJobs.Config + """, "Webhooks": { "AllowedNetworks": [ "127.0.0.1/32" ] } }""";

    /// <summary>Standard Webhooks verification, written here independently of the product's signer.</summary>
    private static bool SignatureValid(string secret, WebhookReceiver.Received r)
    {
        var key = Convert.FromBase64String(secret["whsec_".Length..]);
        var content = Encoding.UTF8.GetBytes($"{r.Id}.{r.Timestamp}.").Concat(r.Body).ToArray();
        var expected = "v1," + Convert.ToBase64String(HMACSHA256.HashData(key, content));
        return r.Signature.Split(' ').Any(s => CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(s), Encoding.ASCII.GetBytes(expected)));
    }

    private static async Task<JsonElement[]> DeliveriesAsync(HttpClient admin, string webhookId) =>
        [.. (await admin.GetFromJsonAsync<JsonElement>($"/api/v1/webhooks/{webhookId}/deliveries")).EnumerateArray()];

    [Theory]
    [MemberData(nameof(Backends.Both), MemberType = typeof(Backends))]
    public async Task Events_arrive_signed_per_standard_webhooks_and_a_failing_endpoint_is_retried_with_backoff(Backend backend)
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var app = await SigillApp.StartAsync(backend, LoopbackAllowed);
        var jobs = new AppJobs(app, "us");
        var org = await app.SetUpOrganizationAsync("Acme Hooks", "us");
        using var admin = app.Web(org.ApiToken);
        var created = await PostOkAsync(admin, "/api/v1/webhooks", new { url = receiver.Url, events = new[] { "document.created", "document.sent", "document.completed" } });
        var webhookId = created.GetProperty("id").GetString()!;
        var secret = created.GetProperty("secret").GetString()!;
        Assert.StartsWith("whsec_", secret, StringComparison.Ordinal);
        var listed = await admin.GetFromJsonAsync<JsonElement>("/api/v1/webhooks");
        Assert.False(listed[0].TryGetProperty("secret", out _)); // shown once

        var id = (await UploadOkAsync(admin, "Hooked", SamplePdf("hooked"))).GetProperty("id").GetString()!;
        Assert.Equal(1, await jobs.DrainAsync());
        var first = Assert.Single(receiver.Requests);
        Assert.True(SignatureValid(secret, first));
        Assert.False(SignatureValid(secret, first with { Body = [.. first.Body.Take(first.Body.Length - 1), (byte)' '] })); // one byte changed
        Assert.False(SignatureValid(secret, first with { Timestamp = (long.Parse(first.Timestamp, System.Globalization.CultureInfo.InvariantCulture) + 1).ToString(System.Globalization.CultureInfo.InvariantCulture) }));
        var body = JsonDocument.Parse(first.Body).RootElement;
        Assert.Equal("document.created", body.GetProperty("type").GetString());
        Assert.Equal(id, body.GetProperty("data").GetProperty("documentId").GetString());
        Assert.StartsWith("msg_us_", first.Id, StringComparison.Ordinal);
        Assert.InRange(long.Parse(first.Timestamp, System.Globalization.CultureInfo.InvariantCulture), jobs.Time.GetUtcNow().ToUnixTimeSeconds() - 5, jobs.Time.GetUtcNow().ToUnixTimeSeconds());

        // The endpoint fails: the delivery is retried after a backoff with the same id and body, then succeeds.
        receiver.Status = 503;
        await AddRecipientAsync(admin, id, "Signer", "signer@example.test");
        await EnsureSignerFieldsAsync(admin, id);
        await PostOkAsync(admin, $"/api/v1/documents/{id}/send", new { });
        Assert.Equal(1, await jobs.DrainAsync());
        Assert.Equal(0, await jobs.DrainAsync()); // not due before the backoff
        var sentDelivery = (await DeliveriesAsync(admin, webhookId)).Single(d => d.GetProperty("eventType").GetString() == "document.sent");
        Assert.Equal(("retrying", 1, 503), (sentDelivery.GetProperty("status").GetString(), sentDelivery.GetProperty("attempts").GetInt32(), sentDelivery.GetProperty("lastStatusCode").GetInt32()));
        receiver.Status = 204;
        jobs.Time.Advance(TimeSpan.FromSeconds(11));
        Assert.Equal(1, await jobs.DrainAsync());
        var attempts = receiver.Requests.Skip(1).ToList();
        Assert.Equal(2, attempts.Count);
        Assert.Equal(attempts[0].Id, attempts[1].Id);
        Assert.Equal(attempts[0].Body, attempts[1].Body);
        Assert.True(attempts.All(a => SignatureValid(secret, a)));
        sentDelivery = (await DeliveriesAsync(admin, webhookId)).Single(d => d.GetProperty("eventType").GetString() == "document.sent");
        Assert.Equal(("succeeded", 2), (sentDelivery.GetProperty("status").GetString(), sentDelivery.GetProperty("attempts").GetInt32()));

        // Events the endpoint did not subscribe to are not delivered.
        await SignAsync(app, LinkFor(app.DataDirectory, "us", "signer@example.test"), new { typedName = "Signer" });
        await jobs.DrainAsync(); // the webhook, and the completion e-mails and the sender's notices
        Assert.Equal("document.completed", JsonDocument.Parse(receiver.Requests.Last().Body).RootElement.GetProperty("type").GetString());
        Assert.Equal(4, receiver.Requests.Count);

        await app.StopServerAsync();
        Assert.Empty(await app.PlacesContainingAsync(secret["whsec_".Length..])); // stored encrypted
        Assert.Empty(await app.PlacesContainingAsync(receiver.Url));
    }

    [Theory]
    [MemberData(nameof(Backends.Both), MemberType = typeof(Backends))]
    public async Task An_endpoint_that_keeps_failing_is_dead_lettered_after_eight_attempts(Backend backend)
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Status = 500;
        await using var app = await SigillApp.StartAsync(backend, LoopbackAllowed);
        var jobs = new AppJobs(app, "us");
        var org = await app.SetUpOrganizationAsync("Acme Dead Letters", "us");
        using var admin = app.Web(org.ApiToken);
        var webhookId = (await PostOkAsync(admin, "/api/v1/webhooks", new { url = receiver.Url, events = new[] { "*" } })).GetProperty("id").GetString()!;
        await UploadOkAsync(admin, "Never delivered", SamplePdf("x"));
        for (var i = 0; i < 12; i++)
        {
            await jobs.DrainAsync();
            jobs.Time.Advance(TimeSpan.FromHours(2));
        }
        Assert.Equal(WebhookEvents.MaxAttempts, receiver.Requests.Count);
        var delivery = Assert.Single(await DeliveriesAsync(admin, webhookId));
        Assert.Equal(("dead", 8, 500), (delivery.GetProperty("status").GetString(), delivery.GetProperty("attempts").GetInt32(), delivery.GetProperty("lastStatusCode").GetInt32()));
        await using var db = app.Cells.Get("us").CreateDbContext();
        Assert.Equal(JobState.DeadLettered, (await db.Jobs.SingleAsync(j => j.Kind == WebhookEvents.JobKind)).State);
    }

    [Theory]
    [MemberData(nameof(Backends.Both), MemberType = typeof(Backends))]
    public async Task Internal_targets_are_refused_unless_the_installation_allows_them(Backend backend)
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var app = await SigillApp.StartAsync(backend, "{" + AppJobs.Config + "}");
        var jobs = new AppJobs(app, "us");
        var org = await app.SetUpOrganizationAsync("Acme SSRF", "us");
        using var admin = app.Web(org.ApiToken);
        foreach (var url in new[] { receiver.Url, "http://localhost/hook", "http://169.254.169.254/latest/meta-data/", "http://10.0.0.5/", "http://[::1]/", "http://[::ffff:127.0.0.1]/", "http://192.168.1.1/" })
        {
            using var response = await admin.PostAsJsonAsync("/api/v1/webhooks", new { url, events = new[] { "*" } });
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Equal("webhook_target_refused", await ProblemCodeAsync(response));
        }
        foreach (var body in new object[] { new { url = "ftp://example.test/", events = new[] { "*" } }, new { url = "https://example.test/", events = new[] { "document.nope" } },
            new { url = "https://user:pw@example.test/", events = new[] { "*" } }, new { url = "https://example.test/", events = Array.Empty<string>() } })
        {
            using var response = await admin.PostAsJsonAsync("/api/v1/webhooks", body);
            Assert.Equal("validation_failed", await ProblemCodeAsync(response));
        }
        Assert.Equal(0, (await admin.GetFromJsonAsync<JsonElement>("/api/v1/webhooks")).GetArrayLength());

        // A name that resolves to loopback only at delivery time (DNS changed after creation) is refused when dialling, and not retried.
        var created = await PostOkAsync(admin, "/api/v1/webhooks", new { url = "https://hooks.example.test/in", events = new[] { "*" } });
        var webhookId = created.GetProperty("id").GetString()!;
        var cell = app.Cells.Get("us");
        await using (var db = cell.CreateDbContext())
        {
            var row = await db.WebhookSubscriptions.SingleAsync(w => w.Id == webhookId);
            db.Entry(row).Property(w => w.UrlToken).CurrentValue =
                (await cell.Keys.EncryptFieldAsync(org.OrganizationId, WebhookSubscription.UrlPurpose, receiver.Url.Replace("127.0.0.1", "localhost", StringComparison.Ordinal), webhookId))!;
            await db.SaveChangesAsync();
        }
        await UploadOkAsync(admin, "Probe", SamplePdf("probe"));
        Assert.Equal(1, await jobs.DrainAsync());
        jobs.Time.Advance(TimeSpan.FromHours(2));
        Assert.Equal(0, await jobs.DrainAsync());
        Assert.Empty(receiver.Requests);
        Assert.Equal("refused", Assert.Single(await DeliveriesAsync(admin, webhookId)).GetProperty("status").GetString());
    }

    [Theory]
    [InlineData("127.0.0.1", false)]
    [InlineData("10.1.2.3", false)]
    [InlineData("172.31.255.255", false)]
    [InlineData("192.168.0.1", false)]
    [InlineData("169.254.169.254", false)]
    [InlineData("100.64.0.1", false)]
    [InlineData("0.0.0.0", false)]
    [InlineData("::1", false)]
    [InlineData("fe80::1", false)]
    [InlineData("fd00:ec2::254", false)]
    [InlineData("::ffff:10.0.0.1", false)]
    [InlineData("64:ff9b::a00:1", false)]
    [InlineData("93.184.215.14", true)]
    [InlineData("2606:4700::1111", true)]
    public void The_guard_refuses_internal_addresses_and_allows_public_ones(string address, bool allowed)
    {
        var guard = new SsrfGuard(ConfiguredOptions.Api<WebhookOptions>(new Microsoft.Extensions.Configuration.ConfigurationBuilder().Build(), "Webhooks"));
        Assert.Equal(allowed, guard.IsAllowed(IPAddress.Parse(address)));
    }
}
