using MimeKit;
using Sigill.Http;

namespace Sigill.Api.Features.Alerts;

/// <summary>Who is told: an e-mail address, a webhook URL, or both.</summary>
public sealed class AlertContact
{
    public string? Email { get; set; }
    public string? Webhook { get; set; }

    public bool IsSet => !string.IsNullOrWhiteSpace(Email) || !string.IsNullOrWhiteSpace(Webhook);
}

/// <summary>
/// The <c>Alerts</c> section: the in-product alert dispatcher for installations without Prometheus
/// (docs/adr/0008-alerts-and-several-api-nodes.md). It runs when <see cref="Primary"/> is set. The thresholds default to the
/// values in deploy/prometheus/sigill-rules.yml; change both together.
/// </summary>
public sealed class AlertOptions : IValidatedOptions
{
    /// <summary>The on-call contact, told first and on every repeat.</summary>
    public AlertContact Primary { get; set; } = new();

    /// <summary>Told as well once an alert stays unacknowledged for <see cref="EscalateAfter"/>.</summary>
    public AlertContact Secondary { get; set; } = new();

    /// <summary>HMAC-SHA256 key for the <c>Sigill-Signature</c> header of webhook calls (at least 32 characters).</summary>
    public string? WebhookSecret { get; set; }

    public TimeSpan EvaluateEvery { get; set; } = TimeSpan.FromMinutes(1);
    public TimeSpan RepeatEvery { get; set; } = TimeSpan.FromMinutes(15);
    public TimeSpan EscalateAfter { get; set; } = TimeSpan.FromMinutes(30);

    public TimeSpan CheckpointMaxAge { get; set; } = TimeSpan.FromSeconds(60);
    public TimeSpan BackupMaxAge { get; set; } = TimeSpan.FromHours(26);
    public TimeSpan QueueMaxWait { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>How long a message may wait in the mail queue (the mail server did not take it) before <c>SigillMailStuck</c> fires.</summary>
    public TimeSpan MailStuckAfter { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>
    /// The language of the alert e-mails (<c>en</c>, <c>sv</c>, <c>de</c>, <c>fr</c>, <c>es</c>; default English). The
    /// words a filter or a script reads stay the same in every language: the subject's <c>CRITICAL</c>/<c>RESOLVED</c>,
    /// the rule, the alert id, the event name and the <c>sigill alerts ack</c> command; the summary stays English.
    /// </summary>
    public string Language { get; set; } = Sigill.Contracts.Languages.English;

    public bool Enabled => Primary.IsSet;

    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (!Enabled && Secondary.IsSet)
        {
            problems.Add("Alerts:Secondary needs Alerts:Primary (the first contact)");
        }
        if (!Sigill.Contracts.Languages.IsSupported(Language))
        {
            problems.Add($"Alerts:Language must be one of {string.Join(", ", Sigill.Contracts.Languages.Supported)}");
        }
        foreach (var (name, contact) in new[] { ("Primary", Primary), ("Secondary", Secondary) })
        {
            if (!string.IsNullOrWhiteSpace(contact.Email) && !MailboxAddress.TryParse(contact.Email, out _))
            {
                problems.Add($"Alerts:{name}:Email is not an e-mail address");
            }
            if (!string.IsNullOrWhiteSpace(contact.Webhook))
            {
                if (!Uri.TryCreate(contact.Webhook, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
                {
                    problems.Add($"Alerts:{name}:Webhook must be an absolute http(s) URL");
                }
                if (WebhookSecret is not { Length: >= 32 })
                {
                    problems.Add("Alerts:WebhookSecret must be at least 32 characters when a webhook is configured");
                }
            }
        }
        foreach (var (name, value) in new[] { ("EvaluateEvery", EvaluateEvery), ("RepeatEvery", RepeatEvery), ("EscalateAfter", EscalateAfter), ("CheckpointMaxAge", CheckpointMaxAge), ("BackupMaxAge", BackupMaxAge), ("QueueMaxWait", QueueMaxWait), ("MailStuckAfter", MailStuckAfter) })
        {
            if (value <= TimeSpan.Zero)
            {
                problems.Add($"Alerts:{name} must be positive");
            }
        }
        return problems;
    }
}
