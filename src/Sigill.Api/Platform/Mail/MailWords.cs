using System.Globalization;
using System.Resources;

namespace Sigill.Api.Platform.Mail;

/// <summary>
/// Words of e-mails in one language, from a resource set (<c>*.resx</c>: English neutral, sv/de/fr/es satellites).
/// The culture is the recipient's, given explicitly, never the thread's: e-mails are written by background jobs.
/// </summary>
public sealed class MailWords
{
    /// <summary>The frame of every e-mail (<c>Resources/MailLayoutText*.resx</c>).</summary>
    internal static readonly ResourceManager Layout = new("Sigill.Api.Platform.Mail.Resources.MailLayoutText", typeof(MailWords).Assembly);

    /// <summary>
    /// The e-mails Sigill sends about an organization rather than a document — to its owners and admins (break-glass
    /// access, access review reminders, privacy requests, sub-processor changes) in the organization's default language —,
    /// the privacy request's link to the person who asked (in their request's language) and alerts to the operators
    /// (<c>Alerts:Language</c>): <c>Resources/NoticeMailText*.resx</c>.
    /// </summary>
    internal static readonly ResourceManager Notices = new("Sigill.Api.Platform.Mail.Resources.NoticeMailText", typeof(MailWords).Assembly);

    private readonly ResourceManager _resources;

    /// <param name="language">One of <see cref="Languages.Supported"/>; anything else is English.</param>
    public MailWords(string? language, ResourceManager? resources = null)
    {
        Language = Languages.IsSupported(language) ? language! : Languages.English;
        Culture = Languages.Culture(Language);
        _resources = resources ?? Layout;
    }

    public string Language { get; }

    public CultureInfo Culture { get; }

    public string this[string key] => _resources.GetString(key, Culture) ?? throw new InvalidOperationException($"mail text {key} is missing");

    public string Format(string key, params object?[] args) => string.Format(Culture, this[key], args);
}
