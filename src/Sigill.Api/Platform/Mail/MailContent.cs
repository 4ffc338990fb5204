using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;

namespace Sigill.Api.Platform.Mail;

/// <summary>
/// The organization an e-mail speaks for: its name, accent colour (<c>#RRGGBB</c>, validated when set) and logo (a PNG
/// Sigill wrote itself from decoded pixels, or null), which travels inside the message (<c>cid:</c>): nothing is fetched
/// from anywhere when the e-mail is opened.
/// </summary>
public sealed record MailBrand(string OrganizationName, string? Color, byte[]? Logo = null)
{
    public const string LogoContentId = "logo@sigill";

    public const string DefaultColor = "#1d4ed8";

    /// <summary>The installation itself, for e-mails about a person's own account (a password reset, a sign-up).</summary>
    public static readonly MailBrand Sigill = new("Sigill", null) { ForAccount = true };

    /// <summary>Whether the e-mail is Sigill's own, about the reader's account, rather than sent for an organization.</summary>
    public bool ForAccount { get; private init; }

    /// <summary>The footer's last line in <paramref name="words"/>' language: who had the e-mail sent.</summary>
    public string SentBy(MailWords words) => ForAccount ? words["Mail.SentForAccount"] : words.Format("Mail.SentFor", MailText.Header(OrganizationName));

    public static bool IsColor(string? value) =>
        value is { Length: 7 } && value[0] == '#' && value.AsSpan(1).ContainsAnyExcept("0123456789abcdefABCDEF") is false;
}

/// <summary>One block of an e-mail's body.</summary>
public abstract record MailBlock
{
    private MailBlock() { }

    public sealed record Paragraph(string Text) : MailBlock;

    /// <summary>Words someone else wrote (the sender's message, a void reason), set apart and attributed.</summary>
    public sealed record Quote(string Text, string Attribution) : MailBlock;

    /// <summary>The one action of the message; the URL must be absolute http(s).</summary>
    public sealed record Button(string Label, string Url) : MailBlock;
}

/// <summary>
/// An e-mail's words, rendered into the HTML layout (<c>layout.html</c>, an embedded resource) and a plain-text
/// alternative from the same blocks. Every value is text: it is HTML-encoded into the layout and can never add markup,
/// and the subject loses its line breaks and control characters (<see cref="MailText.Header"/>), so nothing a sender
/// types — a title, a name, a message — can forge the layout or a header.
/// </summary>
public sealed record MailContent(string Subject, string Heading, IReadOnlyList<MailBlock> Blocks, string Footer)
{
    /// <summary>The language of the words around the content (the layout's <c>lang</c>, the footer, the copy-address line); null: English.</summary>
    public string? Language { get; init; }

    private static readonly Lazy<string> Layout = new(() =>
    {
        using var stream = typeof(MailContent).Assembly.GetManifestResourceStream("Sigill.Api.Platform.Mail.layout.html")
            ?? throw new InvalidOperationException("the mail layout resource is missing");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    });

    /// <summary>The message to <paramref name="toName"/> &lt;<paramref name="toAddress"/>&gt;, in <paramref name="brand"/>'s colours.</summary>
    public MailMessage To(string region, string toName, string toAddress, MailBrand brand) =>
        new(region, toName, toAddress, MailText.Header(Subject), Text(brand))
        {
            Html = Html(brand),
            Attachments = brand.Logo is { } logo ? [new MailAttachment("logo.png", "image/png", logo) { ContentId = MailBrand.LogoContentId }] : [],
        };

    public string Text(MailBrand brand)
    {
        var words = new MailWords(Language);
        var text = new StringBuilder();
        text.Append(Heading).Append("\n\n");
        foreach (var block in Blocks)
        {
            switch (block)
            {
                case MailBlock.Paragraph p: text.Append(p.Text).Append("\n\n"); break;
                case MailBlock.Quote q:
                    text.Append(q.Attribution).Append(":\n");
                    foreach (var line in q.Text.Split('\n')) text.Append("> ").Append(line.TrimEnd('\r')).Append('\n');
                    text.Append('\n');
                    break;
                case MailBlock.Button b: text.Append(b.Label).Append(": ").Append(b.Url).Append("\n\n"); break;
            }
        }
        text.Append("-- \n").Append(Footer).Append('\n')
            .Append(brand.SentBy(words)).Append('\n');
        return text.ToString();
    }

    public string Html(MailBrand brand)
    {
        var e = HtmlEncoder.Default;
        var words = new MailWords(Language);
        var body = new StringBuilder();
        foreach (var block in Blocks)
        {
            switch (block)
            {
                case MailBlock.Paragraph p:
                    body.Append("<p style=\"margin:0 0 16px 0;\">").Append(Lines(e, p.Text)).Append("</p>\n");
                    break;
                case MailBlock.Quote q:
                    body.Append("<p style=\"margin:0 0 4px 0;font-size:14px;color:#4b5563;\">").Append(e.Encode(q.Attribution)).Append("</p>\n")
                        .Append("<blockquote style=\"margin:0 0 16px 0;padding:8px 12px;border-left:4px solid #d1d5db;background:#f9fafb;\">")
                        .Append(Lines(e, q.Text)).Append("</blockquote>\n");
                    break;
                case MailBlock.Button b:
                    if (!Uri.TryCreate(b.Url, UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttps && url.Scheme != Uri.UriSchemeHttp))
                    {
                        throw new ArgumentException("a mail button needs an absolute http(s) URL", nameof(brand));
                    }
                    body.Append(CultureInfo.InvariantCulture,
                            $"<p style=\"margin:8px 0 20px 0;\"><a href=\"{e.Encode(url.AbsoluteUri)}\" style=\"display:inline-block;padding:12px 20px;border-radius:6px;background:{Accent(brand)};color:#ffffff;font-weight:600;text-decoration:none;\">")
                        .Append(e.Encode(b.Label)).Append("</a></p>\n")
                        .Append("<p style=\"margin:0 0 16px 0;font-size:13px;color:#4b5563;word-break:break-all;\">").Append(e.Encode(words["Mail.CopyAddress"])).Append(' ')
                        .Append(e.Encode(url.AbsoluteUri)).Append("</p>\n");
                    break;
            }
        }
        return Layout.Value
            .Replace("{{subject}}", e.Encode(MailText.Header(Subject)), StringComparison.Ordinal)
            .Replace("{{preheader}}", e.Encode(MailText.Header(Heading)), StringComparison.Ordinal)
            .Replace("{{accent}}", Accent(brand), StringComparison.Ordinal)
            .Replace("{{organization}}", brand.Logo is null
                ? e.Encode(MailText.Header(brand.OrganizationName))
                : $"<img src=\"cid:{MailBrand.LogoContentId}\" alt=\"{e.Encode(MailText.Header(brand.OrganizationName))}\" style=\"display:block;max-height:48px;max-width:240px;border:0;\">", StringComparison.Ordinal)
            .Replace("{{heading}}", e.Encode(Heading), StringComparison.Ordinal)
            .Replace("{{footer}}", e.Encode(Footer), StringComparison.Ordinal)
            .Replace("{{sentby}}", e.Encode(brand.SentBy(words)), StringComparison.Ordinal)
            .Replace("{{lang}}", words.Language, StringComparison.Ordinal)
            .Replace("{{content}}", body.ToString(), StringComparison.Ordinal); // last: the only value that is markup, built above from encoded text
    }

    private static string Accent(MailBrand brand) => MailBrand.IsColor(brand.Color) ? brand.Color! : MailBrand.DefaultColor;

    private static string Lines(HtmlEncoder e, string text) =>
        string.Join("<br>", text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n').Select(line => e.Encode(line)));
}

/// <summary>Text that goes into a header or a one-line place of an e-mail.</summary>
public static class MailText
{
    /// <summary>
    /// One line: line breaks, control characters and invisible formatting characters (bidi overrides and isolates,
    /// zero-width characters) become spaces or go, runs of spaces shrink to one, at most 200 characters.
    /// </summary>
    public static string Header(string? value)
    {
        if (string.IsNullOrEmpty(value)) return "";
        var text = new StringBuilder(Math.Min(value.Length, 200));
        var space = false;
        foreach (var c in value)
        {
            var category = char.GetUnicodeCategory(c);
            if (category == UnicodeCategory.Format) continue;
            var blank = char.IsWhiteSpace(c) || category is UnicodeCategory.Control or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator;
            if (blank)
            {
                space = text.Length > 0;
                continue;
            }
            if (space) text.Append(' ');
            space = false;
            text.Append(c);
            if (text.Length >= 200) break;
        }
        if (text.Length > 0 && char.IsHighSurrogate(text[^1])) text.Length--;
        return text.ToString();
    }
}
