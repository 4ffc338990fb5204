using MimeKit;

namespace Sigill.Tests.Infrastructure;

/// <summary>
/// E-mails as a mail client reads them: those a region's outbox holds (<c>DATA/{region}/outbox/*.eml</c>), or those the
/// SMTP sink ./test.sh runs received (<see cref="SmtpSink"/>). Every method takes the folder, or a data directory and region.
/// </summary>
internal static class Outbox
{
    /// <summary>The folder the test SMTP sink writes each message it receives to.</summary>
    public static string SmtpSink => Environment.GetEnvironmentVariable("SIGILL_TEST_MAILDIR") ?? throw new InvalidOperationException("SIGILL_TEST_MAILDIR is not set: run ./test.sh");

    /// <summary>The app's SMTP settings for the sink (plain SMTP on the port ./test.sh gives).</summary>
    public static object SmtpSettings
    {
        get
        {
            var smtp = Environment.GetEnvironmentVariable("SIGILL_TEST_SMTP") ?? throw new InvalidOperationException("SIGILL_TEST_SMTP is not set: run ./test.sh");
            return new { Provider = "smtp", Host = smtp.Split(':')[0], Port = int.Parse(smtp.Split(':')[1], System.Globalization.CultureInfo.InvariantCulture), Security = "none" };
        }
    }

    public static string Of(string dataDirectory, string region) => Path.Combine(dataDirectory, region, "outbox");

    public static IReadOnlyList<MimeMessage> Read(string dataDirectory, string region) => Read(Of(dataDirectory, region));

    public static IReadOnlyList<MimeMessage> To(string dataDirectory, string region, string address) => To(Of(dataDirectory, region), address);

    public static Task<MimeMessage> WaitForAsync(string dataDirectory, string region, string address, string subjectStart, TimeSpan? timeout = null) =>
        WaitForAsync(Of(dataDirectory, region), address, subjectStart, timeout);

    extension(MimeMessage message)
    {
        /// <summary>The plain-text part ("" when there is none).</summary>
        public string Text => message.TextBody ?? "";

        /// <summary>The HTML part ("" when there is none).</summary>
        public string Html => message.HtmlBody ?? "";
    }

    /// <summary>Every message in <paramref name="folder"/> (and below), oldest first by file name.</summary>
    public static IReadOnlyList<MimeMessage> Read(string folder) =>
        !Directory.Exists(folder) ? [] : [.. Directory.GetFiles(folder, "*.eml", SearchOption.AllDirectories).Order(StringComparer.Ordinal).Select(f => MimeMessage.Load(f))];

    /// <summary>The messages to <paramref name="address"/>, oldest first.</summary>
    public static IReadOnlyList<MimeMessage> To(string folder, string address) =>
        [.. Read(folder).Where(m => m.To.Mailboxes.Any(b => string.Equals(b.Address, address, StringComparison.OrdinalIgnoreCase)))];

    /// <summary>
    /// Waits (up to <paramref name="timeout"/>, default 30 s) until <paramref name="address"/> has a message whose subject
    /// starts with <paramref name="subjectStart"/>; mail sent by jobs arrives a moment after the request that caused it.
    /// </summary>
    public static async Task<MimeMessage> WaitForAsync(string folder, string address, string subjectStart, TimeSpan? timeout = null)
    {
        var until = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            if (To(folder, address).LastOrDefault(m => (m.Subject ?? "").StartsWith(subjectStart, StringComparison.Ordinal)) is { } found) return found;
            if (DateTime.UtcNow > until)
            {
                var subjects = string.Join(" | ", To(folder, address).Select(m => m.Subject));
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
