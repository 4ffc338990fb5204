using MimeKit;

namespace Sigill.Tests.Infrastructure;

/// <summary>The e-mails a region's outbox holds (<c>DATA/{region}/outbox/*.eml</c>), parsed the way a mail client reads them.</summary>
internal static class Outbox
{
    extension(MimeMessage message)
    {
        /// <summary>The plain-text part ("" when there is none).</summary>
        public string Text => message.TextBody ?? "";

        /// <summary>The HTML part ("" when there is none).</summary>
        public string Html => message.HtmlBody ?? "";
    }

    public static IReadOnlyList<MimeMessage> Read(string dataDirectory, string region)
    {
        var folder = Path.Combine(dataDirectory, region, "outbox");
        return !Directory.Exists(folder) ? [] : [.. Directory.GetFiles(folder, "*.eml").Order(StringComparer.Ordinal).Select(f => MimeMessage.Load(f))];
    }

    /// <summary>The messages to <paramref name="address"/>, oldest first.</summary>
    public static IReadOnlyList<MimeMessage> To(string dataDirectory, string region, string address) =>
        [.. Read(dataDirectory, region).Where(m => m.To.Mailboxes.Any(b => string.Equals(b.Address, address, StringComparison.OrdinalIgnoreCase)))];

    /// <summary>
    /// Waits (up to <paramref name="timeout"/>, default 30 s) until <paramref name="address"/> has a message whose subject
    /// starts with <paramref name="subjectStart"/>; mail sent by jobs arrives a moment after the request that caused it.
    /// </summary>
    public static async Task<MimeMessage> WaitForAsync(string dataDirectory, string region, string address, string subjectStart, TimeSpan? timeout = null)
    {
        var until = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            if (To(dataDirectory, region, address).LastOrDefault(m => (m.Subject ?? "").StartsWith(subjectStart, StringComparison.Ordinal)) is { } found) return found;
            if (DateTime.UtcNow > until)
            {
                var subjects = string.Join(" | ", To(dataDirectory, region, address).Select(m => m.Subject));
                throw new TimeoutException($"no e-mail to {address} starting '{subjectStart}' (it has: {subjects})");
            }
            await Task.Delay(200);
        }
    }

    /// <summary>The bytes of the one PDF attached to <paramref name="message"/>, or null.</summary>
    public static byte[]? PdfAttachment(MimeMessage message)
    {
        var part = message.Attachments.OfType<MimePart>().SingleOrDefault(a => a.ContentType.MimeType == "application/pdf");
        if (part is null) return null;
        using var buffer = new MemoryStream();
        part.Content!.DecodeTo(buffer);
        return buffer.ToArray();
    }
}
