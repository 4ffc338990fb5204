using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Sigill.Pdf;
using Sigill.Tests.Infrastructure;

namespace Sigill.Tests.Documents;

/// <summary>Intent methods for document tests: everything goes through the public web tier.</summary>
internal static partial class DocumentKit
{
    public static byte[] SamplePdf(string text, int pages = 1)
    {
        var blocks = new List<DocumentBlock> { new Paragraph(text) };
        for (var i = 1; i < pages; i++) { blocks.Add(new PageBreak()); blocks.Add(new Paragraph($"Page {i + 1}")); }
        return DocumentRenderer.Render(new DocumentModel("Agreement", blocks)).Bytes;
    }

    /// <summary>A classic PDF from object bodies with a correct xref (object N is objects[N-1]).</summary>
    public static byte[] MinimalPdf(params string[] objects)
    {
        var sb = new StringBuilder("%PDF-1.7\n");
        var offsets = new List<int>();
        for (var i = 0; i < objects.Length; i++)
        {
            offsets.Add(Encoding.Latin1.GetByteCount(sb.ToString()));
            sb.Append(CultureInfo.InvariantCulture, $"{i + 1} 0 obj\n{objects[i]}\nendobj\n");
        }
        var xref = Encoding.Latin1.GetByteCount(sb.ToString());
        sb.Append(CultureInfo.InvariantCulture, $"xref\n0 {objects.Length + 1}\n0000000000 65535 f \n");
        foreach (var o in offsets) sb.Append(CultureInfo.InvariantCulture, $"{o:D10} 00000 n \n");
        sb.Append(CultureInfo.InvariantCulture, $"trailer\n<</Size {objects.Length + 1}/Root 1 0 R>>\nstartxref\n{xref}\n%%EOF\n");
        return Encoding.Latin1.GetBytes(sb.ToString());
    }

    public static async Task<HttpResponseMessage> UploadAsync(HttpClient client, string title, byte[] pdf)
    {
        using var form = new MultipartFormDataContent();
        form.Add(new StringContent(title), "title");
        var file = new ByteArrayContent(pdf);
        file.Headers.ContentType = new MediaTypeHeaderValue("application/pdf");
        form.Add(file, "file", "document.pdf");
        return await client.PostAsync("/api/v1/documents", form);
    }

    public static async Task<JsonElement> UploadOkAsync(HttpClient client, string title, byte[] pdf)
    {
        using var response = await UploadAsync(client, title, pdf);
        return await OkJsonAsync(response);
    }

    public static async Task<JsonElement> OkJsonAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {text}");
        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }

    public static async Task<JsonElement> PostOkAsync(HttpClient client, string path, object body)
    {
        using var response = await client.PostAsJsonAsync(path, body);
        return await OkJsonAsync(response);
    }

    public static async Task<string> ProblemCodeAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.Content.Headers.ContentType?.MediaType == "application/problem+json", $"{(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.GetProperty("code").GetString()!;
    }

    public static async Task<string> AddRecipientAsync(HttpClient client, string documentId, string name, string email, string role = "signer", int? order = null) =>
        (await PostOkAsync(client, $"/api/v1/documents/{documentId}/recipients", new { name, email, role, signingOrder = order })).GetProperty("id").GetString()!;

    public static async Task<string> AddFieldAsync(HttpClient client, string documentId, string recipientId, string kind, double y, bool required = true, int page = 1) =>
        (await PostOkAsync(client, $"/api/v1/documents/{documentId}/fields", new { recipientId, kind, page, x = 60, y, width = 200, height = 30, required })).GetProperty("id").GetString()!;

    /// <summary>Places a signature field for every signer of the draft who has none (a document is sent only when each signer has a field).</summary>
    public static async Task EnsureSignerFieldsAsync(HttpClient client, string documentId)
    {
        var view = JsonDocument.Parse(await client.GetStringAsync($"/api/v1/documents/{documentId}")).RootElement;
        var placed = view.GetProperty("fields").EnumerateArray().Select(f => f.GetProperty("recipientId").GetString()).ToHashSet();
        var y = 400;
        foreach (var r in view.GetProperty("recipients").EnumerateArray().Where(r => r.GetProperty("role").GetString() == "signer" && !placed.Contains(r.GetProperty("id").GetString())))
        {
            await AddFieldAsync(client, documentId, r.GetProperty("id").GetString()!, "signature", y += 40);
        }
    }

    [GeneratedRegex(@"/s/(sgr_[a-z]+_[0-9a-z]{52})")]
    private static partial Regex LinkPattern();

    /// <summary>The newest link e-mailed to <paramref name="email"/>, read from the region's outbox (.eml files).</summary>
    public static string LinkFor(string dataDirectory, string region, string email)
    {
        var folder = Path.Combine(dataDirectory, region, "outbox");
        var mails = Directory.Exists(folder) ? Directory.GetFiles(folder, "*.eml").Order(StringComparer.Ordinal).ToList() : [];
        for (var i = mails.Count - 1; i >= 0; i--)
        {
            var text = File.ReadAllText(mails[i]);
            if (text.Contains(email, StringComparison.Ordinal) && LinkPattern().Match(text.Replace("=\r\n", "", StringComparison.Ordinal).Replace("=\n", "", StringComparison.Ordinal)) is { Success: true } m)
            {
                return m.Groups[1].Value;
            }
        }
        throw new InvalidOperationException($"no link for {email} in {folder} ({mails.Count} messages)");
    }

    public static int MailCount(string dataDirectory, string region) =>
        Directory.Exists(Path.Combine(dataDirectory, region, "outbox")) ? Directory.GetFiles(Path.Combine(dataDirectory, region, "outbox"), "*.eml").Length : 0;

    /// <summary>Views, consents and signs as the recipient behind <paramref name="link"/>.</summary>
    public static async Task<JsonElement> SignAsync(SigillApp app, string link, object body)
    {
        using var recipient = app.Web();
        recipient.DefaultRequestHeaders.UserAgent.ParseAdd("SigillTest/1.0");
        using (var view = await recipient.GetAsync($"/api/v1/signing/{link}/document.pdf"))
        {
            Assert.Equal(System.Net.HttpStatusCode.OK, view.StatusCode);
            Assert.StartsWith("%PDF-", Encoding.ASCII.GetString(await view.Content.ReadAsByteArrayAsync(), 0, 5));
        }
        using (var consent = await recipient.PostAsJsonAsync($"/api/v1/signing/{link}/consent", new { accept = true }))
        {
            Assert.Equal(System.Net.HttpStatusCode.NoContent, consent.StatusCode);
        }
        return await PostOkAsync(recipient, $"/api/v1/signing/{link}/sign", body);
    }

    public static (int ExitCode, string Output) Run(string tool, params string[] args)
    {
        var info = new ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) info.ArgumentList.Add(a);
        using var p = Process.Start(info)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, stdout.Result + stderr);
    }

    public static int CountOf(string text, string what)
    {
        var n = 0;
        for (var i = text.IndexOf(what, StringComparison.Ordinal); i >= 0; i = text.IndexOf(what, i + 1, StringComparison.Ordinal)) n++;
        return n;
    }
}
