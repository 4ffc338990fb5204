using System.Net;
using System.Net.Http.Headers;
using Sigill.Tests.Infrastructure;

namespace Sigill.Tests.Browser;

/// <summary>
/// The web tier's own error pages: an unknown address, a missing document, an upload over the limit and the other
/// errors a person can meet show the site's layout, a plain sentence, a way back and a reference; the API keeps its
/// problem details. Each page passes axe in Chromium on a phone and a desktop.
/// </summary>
public sealed class ErrorPageTests(Chromium chromium) : IClassFixture<Chromium>
{
    private static HttpRequestMessage Html(HttpMethod method, string path)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/html"));
        return request;
    }

    [Fact]
    public async Task Unknown_addresses_and_oversized_uploads_get_a_page_with_a_way_back_while_the_api_keeps_problem_details()
    {
        await using var app = await SigillApp.StartAsync("""{ "Documents": { "MaxPdfBytes": 200000 } }""");
        using var web = app.Web();

        foreach (var path in new[] { "/nope", "/documents/garbage/deeper" })
        {
            using var page = await web.SendAsync(Html(HttpMethod.Get, path));
            Assert.Equal(HttpStatusCode.NotFound, page.StatusCode);
            Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
            var html = await page.Content.ReadAsStringAsync();
            Assert.Contains("This page does not exist", html, StringComparison.Ordinal);
            Assert.Contains("id=\"error-back\"", html, StringComparison.Ordinal);
            Assert.Matches("id=\"trace-id\">[0-9A-Za-z:-]{8,}<", html);
        }

        using (var api = await web.SendAsync(Html(HttpMethod.Get, "/api/v1/nope")))
        {
            Assert.True(api.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.Unauthorized, $"{api.StatusCode}");
            Assert.NotEqual("text/html", api.Content.Headers.ContentType?.MediaType);
        }

        // A file over the limit is refused from its Content-Length, before the body is read, with the page.
        var upload = Html(HttpMethod.Post, "/documents/new?handler=Upload");
        upload.Content = new ByteArrayContent(new byte[400_000]);
        upload.Content.Headers.ContentType = MediaTypeHeaderValue.Parse("multipart/form-data; boundary=x");
        using (var tooLarge = await web.SendAsync(upload))
        {
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, tooLarge.StatusCode);
            Assert.Contains("That file is too large", await tooLarge.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        using var redirect = await web.GetAsync("/favicon.ico");
        Assert.Equal(HttpStatusCode.Found, redirect.StatusCode);
        using var icon = await web.GetAsync(redirect.Headers.Location);
        Assert.Equal(HttpStatusCode.OK, icon.StatusCode);
        Assert.Equal("image/svg+xml", icon.Content.Headers.ContentType?.MediaType);

        foreach (var mobile in new[] { true, false })
        {
            await using var s = await chromium.NewSessionAsync(app.WebUrl, mobile);
            foreach (var path in new[] { "/nope", "/error/400", "/error/403", "/error/413", "/error/429", "/error/500" })
            {
                var response = await s.Page.GotoAsync(path);
                Assert.True(response!.Status >= 400, $"{path} answered {response.Status}");
                await s.CheckPageAsync($"error{path.Replace('/', '-')}-{(mobile ? "phone" : "desktop")}");
            }
        }
    }
}
