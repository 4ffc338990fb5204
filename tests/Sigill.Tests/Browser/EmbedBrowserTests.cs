using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using Sigill.Tests.Infrastructure;
using static Sigill.Tests.Documents.DocumentKit;

namespace Sigill.Tests.Browser;

/// <summary>
/// Embedded signing in Chromium across origins: an integrator's page on a second local origin (its own HTTP server)
/// frames the embed URL; the recipient confirms the e-mailed code, consents and signs inside the frame, and the page
/// receives <c>loaded</c> … <c>signed</c> from the Sigill origin. A page on a third, unregistered origin cannot frame it.
/// </summary>
public sealed partial class EmbedBrowserTests(Chromium chromium) : IClassFixture<Chromium>
{
    [GeneratedRegex(@"verification code is (\d{6})")]
    private static partial Regex CodePattern();

    /// <summary>A one-page site on its own 127.0.0.1 port: it frames <see cref="FrameUrl"/> and lists the Sigill messages it receives.</summary>
    internal sealed class IntegratorSite : IAsyncDisposable
    {
        private readonly HttpListener _listener = new();
        private readonly Task _serving;

        public IntegratorSite(string sigillOrigin)
        {
            var probe = new TcpListener(IPAddress.Loopback, 0);
            probe.Start();
            Port = ((IPEndPoint)probe.LocalEndpoint).Port;
            probe.Stop();
            Origin = $"http://127.0.0.1:{Port}";
            SigillOrigin = sigillOrigin;
            _listener.Prefixes.Add(Origin + "/");
            _listener.Start();
            _serving = Task.Run(ServeAsync);
        }

        public int Port { get; }
        public string Origin { get; }
        public string SigillOrigin { get; }
        public string FrameUrl { get; set; } = "about:blank";

        // The snippet of docs/embedding.md: frame the URL, accept messages only from the Sigill origin and with source "sigill".
        private string Html() => $$"""
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><title>Integrator</title></head>
            <body>
            <h1>Integrator app</h1>
            <ol id="events"></ol>
            <iframe id="sigill" title="Sign the document" src="{{WebUtility.HtmlEncode(FrameUrl)}}" style="width:100%;height:900px;border:1px solid #888"></iframe>
            <script>
              const sigillOrigin = "{{SigillOrigin}}";
              window.addEventListener("message", (event) => {
                if (event.origin !== sigillOrigin || !event.data || event.data.source !== "sigill") return;
                const item = document.createElement("li");
                item.textContent = event.data.event + (event.data.code ? ":" + event.data.code : "");
                item.dataset.documentId = event.data.documentId || "";
                document.getElementById("events").append(item);
              });
            </script>
            </body></html>
            """;

        private async Task ServeAsync()
        {
            while (_listener.IsListening)
            {
                HttpListenerContext context;
                try
                {
                    context = await _listener.GetContextAsync();
                }
                catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
                {
                    return;
                }
                var body = Encoding.UTF8.GetBytes(context.Request.Url!.AbsolutePath == "/" ? Html() : "");
                context.Response.StatusCode = context.Request.Url!.AbsolutePath == "/" ? 200 : 404;
                context.Response.ContentType = "text/html; charset=utf-8";
                await context.Response.OutputStream.WriteAsync(body);
                context.Response.Close();
            }
        }

        public async ValueTask DisposeAsync()
        {
            _listener.Stop();
            _listener.Close();
            await _serving;
        }
    }

    private static async Task<string[]> EventsAsync(Chromium.Session p) => [.. await p.Page.Locator("#events li").AllInnerTextsAsync()];

    [Fact]
    public async Task A_registered_origin_frames_the_signing_page_and_hears_loaded_and_signed_an_unregistered_one_cannot_frame_it()
    {
        await using var app = await SigillApp.StartAsync();
        var sigillOrigin = $"{app.WebUrl.Scheme}://{app.WebUrl.Authority}";
        await using var registered = new IntegratorSite(sigillOrigin);
        await using var unregistered = new IntegratorSite(sigillOrigin);

        var org = await app.SetUpOrganizationAsync("Acme Embedded", "eu");
        using var sender = app.Web(org.ApiToken);
        using (var saved = await sender.PutAsJsonAsync(Sigill.Api.Features.Embedding.EmbeddingEndpoints.Path, new { allowedOrigins = new[] { registered.Origin } }))
        {
            Assert.Equal(HttpStatusCode.OK, saved.StatusCode);
        }
        var documentId = (await UploadOkAsync(sender, "Embedded services agreement", SamplePdf("Services agreement"))).GetProperty("id").GetString()!;
        var recipientId = (await PostOkAsync(sender, $"/api/v1/documents/{documentId}/recipients",
            new { name = "Ella Embedded", email = "ella@example.test", role = "signer", stepUp = "email_code" })).GetProperty("id").GetString()!;
        await AddFieldAsync(sender, documentId, recipientId, "signature", 100);
        await PostOkAsync(sender, $"/api/v1/documents/{documentId}/send", new { message = "Please sign", expiresInDays = 7 });
        async Task<string> EmbedUrlAsync() =>
            (await PostOkAsync(sender, $"/api/v1/documents/{documentId}/recipients/{recipientId}/embed-url", new { origin = registered.Origin })).GetProperty("url").GetString()!;

        // The registered origin: the frame loads, the recipient confirms the code, consents and signs inside it.
        registered.FrameUrl = await EmbedUrlAsync();
        Assert.StartsWith(sigillOrigin + "/e/sge_eu_", registered.FrameUrl, StringComparison.Ordinal);
        await using var p = await chromium.NewSessionAsync(app.WebUrl, mobile: false);
        await p.Page.GotoAsync(registered.Origin + "/");
        var frame = p.Page.FrameLocator("#sigill");
        await frame.Locator("#send-code").WaitForAsync();
        await p.Page.Locator("#events li").First.WaitForAsync();
        Assert.Equal(["loaded"], await EventsAsync(p));
        Assert.Equal(documentId, await p.Page.Locator("#events li").First.GetAttributeAsync("data-document-id"));

        await frame.Locator("#send-code").ClickAsync();
        await frame.Locator("#code-sent").WaitForAsync();
        // A wrong code: the page says so and the integrator hears the problem code.
        await frame.Locator("#code").FillAsync("000000");
        await frame.Locator("#verify-submit").ClickAsync();
        await frame.Locator("#error").WaitForAsync();
        await p.Page.Locator("#events li", new() { HasText = "error:" }).First.WaitForAsync();
        var mail = Directory.GetFiles(Path.Combine(app.DataDirectory, "eu", "outbox"), "*.eml").Select(File.ReadAllText)
            .Last(t => t.Contains("ella@example.test", StringComparison.Ordinal) && CodePattern().IsMatch(t));
        await frame.Locator("#code").FillAsync(CodePattern().Match(mail).Groups[1].Value);
        await frame.Locator("#verify-submit").ClickAsync();
        await frame.Locator("#consent").WaitForAsync();
        await frame.Locator("#agree").ClickAsync();
        await frame.Locator("body[data-pages-rendered=true]").WaitForAsync(); // pdf.js drew the pages from the posted session, no cookie
        await frame.Locator("#typed-name").FillAsync("Ella Embedded");
        await frame.Locator("#sign").ClickAsync();
        await frame.Locator("#signed, #error").First.WaitForAsync(new() { Timeout = 60_000 });
        Assert.True(await frame.Locator("#signed").IsVisibleAsync(), await frame.Locator("main").InnerTextAsync());
        await p.Page.Locator("#events li", new() { HasText = "signed" }).WaitForAsync();
        var events = await EventsAsync(p);
        Assert.Equal("loaded", events[0]);
        Assert.Equal(["loaded", "signed"], events[^2..]);
        Assert.Contains(events, e => e.StartsWith("error:step_up", StringComparison.Ordinal));
        await p.ScreenshotAsync("embed-1-signed-in-frame");
        Assert.DoesNotContain(p.Console, m => m.Contains("Content Security Policy", StringComparison.OrdinalIgnoreCase));
        Assert.DoesNotContain(p.Console, m => m.StartsWith("pageerror:", StringComparison.Ordinal));
        var documents = await OkJsonAsync(await sender.GetAsync($"/api/v1/documents/{documentId}"));
        Assert.Equal("completed", documents.GetProperty("status").GetString());

        // A fresh URL framed by an origin that is not registered: Chromium refuses to show it (frame-ancestors), no message arrives.
        var other = await app.SetUpOrganizationAsync("Acme Embedded Two", "eu");
        using var otherSender = app.Web(other.ApiToken);
        using (var saved = await otherSender.PutAsJsonAsync(Sigill.Api.Features.Embedding.EmbeddingEndpoints.Path, new { allowedOrigins = new[] { registered.Origin } }))
        {
            Assert.Equal(HttpStatusCode.OK, saved.StatusCode);
        }
        var secondId = (await UploadOkAsync(otherSender, "Second agreement", SamplePdf("Second"))).GetProperty("id").GetString()!;
        var secondRecipient = await AddRecipientAsync(otherSender, secondId, "Sam Second", "sam@example.test");
        await AddFieldAsync(otherSender, secondId, secondRecipient, "signature", 100);
        await PostOkAsync(otherSender, $"/api/v1/documents/{secondId}/send", new { message = "Please sign", expiresInDays = 7 });
        unregistered.FrameUrl = (await PostOkAsync(otherSender, $"/api/v1/documents/{secondId}/recipients/{secondRecipient}/embed-url", new { origin = registered.Origin }))
            .GetProperty("url").GetString()!;
        await using var q = await chromium.NewSessionAsync(app.WebUrl, mobile: false);
        await q.Page.GotoAsync(unregistered.Origin + "/");
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!q.Console.Any(m => m.Contains("frame-ancestors", StringComparison.Ordinal)) && DateTime.UtcNow < deadline) await Task.Delay(200);
        Assert.Contains(q.Console, m => m.Contains("frame-ancestors", StringComparison.Ordinal) && m.Contains(registered.Origin, StringComparison.Ordinal));
        await Task.Delay(1000);
        Assert.Equal(0, await q.Page.FrameLocator("#sigill").Locator("#consent, #verify, main").CountAsync()); // no Sigill content in the frame
        Assert.Empty(await EventsAsync(q));
        await q.ScreenshotAsync("embed-2-unregistered-origin-blocked");

        // The embedded page itself on a phone (opened directly: same markup, same checks as every page).
        var direct = (await PostOkAsync(otherSender, $"/api/v1/documents/{secondId}/recipients/{secondRecipient}/embed-url", new { origin = registered.Origin }))
            .GetProperty("url").GetString()!;
        await using var phone = await chromium.NewSessionAsync(app.WebUrl);
        await phone.Page.GotoAsync(direct);
        await phone.Page.WaitForSelectorAsync("#consent");
        await phone.CheckPageAsync("embed-3-consent-phone");
        await phone.Page.ClickAsync("#agree");
        await phone.Page.WaitForSelectorAsync("body[data-pages-rendered=true]");
        await phone.CheckPageAsync("embed-4-sign-phone");
    }
}
