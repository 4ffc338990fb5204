using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Sigill.Api.Platform.Jobs;
using Sigill.Api.Platform.Mail;

namespace Sigill.Api.Features.Alerts;

/// <summary>What one notification says. <see cref="Event"/> is <c>fired</c>, <c>repeat</c>, <c>escalated</c> or <c>resolved</c>.</summary>
public sealed record AlertNotice(string AlertId, string Rule, string Subject, string Region, string Summary, DateTime FiredAt, string Event, int Sequence, string Environment)
{
    public static AlertNotice From(AlertRow row, string region, string @event, string environment) =>
        new(row.Id, row.Rule, row.Subject, region, row.Summary, row.FiredAt, @event, row.Notifications, environment);
}

/// <summary>
/// Sends a notice to one contact: by e-mail through the installation's mail layer (outbox or SMTP) and/or as a
/// signed webhook. The webhook body is JSON; <c>Sigill-Signature: t=&lt;unix seconds&gt;,v1=&lt;hex&gt;</c> carries
/// <c>HMAC-SHA256(Alerts:WebhookSecret, "&lt;t&gt;." + body)</c>, so a receiver can check origin and freshness.
/// A failure throws <see cref="JobFailedException"/> with a safe message (the job is retried).
/// </summary>
public sealed class AlertNotifier(AlertOptions options, IMailer mailer, IHttpClientFactory http, TimeProvider time)
{
    public const string SignatureHeader = "Sigill-Signature";
    internal const string HttpClientName = "sigill-alerts";

    public async Task SendAsync(AlertNotice notice, AlertContact contact, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(notice);
        ArgumentNullException.ThrowIfNull(contact);
        if (!string.IsNullOrWhiteSpace(contact.Email))
        {
            var words = new MailWords(options.Language, MailWords.Notices); // the operators' language (Alerts:Language), else English
            try
            {
                await mailer.SendAsync(new MailMessage(notice.Region, "Sigill on-call", contact.Email, SubjectLine(notice, words), Body(notice, words)), ct);
            }
            catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or MailKit.CommandException or MailKit.ProtocolException or InvalidOperationException)
            {
                throw new JobFailedException($"alert e-mail not delivered ({e.GetType().Name})", e);
            }
        }
        if (!string.IsNullOrWhiteSpace(contact.Webhook))
        {
            var body = JsonSerializer.SerializeToUtf8Bytes(notice, Json);
            using var request = new HttpRequestMessage(HttpMethod.Post, contact.Webhook) { Content = new ByteArrayContent(body) };
            request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
            request.Headers.Add(SignatureHeader, Sign(options.WebhookSecret!, time.GetUtcNow().ToUnixTimeSeconds(), body));
            HttpResponseMessage response;
            try
            {
                response = await http.CreateClient(HttpClientName).SendAsync(request, ct);
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
            {
                throw new JobFailedException($"alert webhook unreachable ({e.GetType().Name})", e);
            }
            using (response)
            {
                if (!response.IsSuccessStatusCode)
                {
                    throw new JobFailedException(string.Create(CultureInfo.InvariantCulture, $"alert webhook answered {(int)response.StatusCode}"));
                }
            }
        }
    }

    /// <summary>The signature header value for <paramref name="body"/> sent at <paramref name="unixSeconds"/>.</summary>
    public static string Sign(string secret, long unixSeconds, ReadOnlySpan<byte> body)
    {
        ArgumentNullException.ThrowIfNull(secret);
        var prefix = Encoding.ASCII.GetBytes(unixSeconds.ToString(CultureInfo.InvariantCulture) + ".");
        var signed = new byte[prefix.Length + body.Length];
        prefix.CopyTo(signed, 0);
        body.CopyTo(signed.AsSpan(prefix.Length));
        var mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), signed);
        return string.Create(CultureInfo.InvariantCulture, $"t={unixSeconds},v1={Convert.ToHexStringLower(mac)}");
    }

    internal static string SubjectLine(AlertNotice notice, MailWords words) => notice.Event == "resolved"
        ? $"[Sigill {notice.Environment}] RESOLVED {notice.Rule} {notice.Subject}"
        : $"[Sigill {notice.Environment}] CRITICAL {notice.Rule} {notice.Subject}{(notice.Event == "escalated" ? " " + words["Alert.Escalated"] : "")}";

    /// <summary>The body in <paramref name="words"/>' language; times, ids, the rule and the event name stay as they are.</summary>
    internal static string Body(AlertNotice notice, MailWords words) => words.Format("Alert.Body", notice.Summary, notice.AlertId, notice.Rule, notice.Subject,
        notice.FiredAt.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture), notice.Event, notice.Sequence.ToString(CultureInfo.InvariantCulture),
        notice.Event == "resolved" ? words["Alert.Resolved"] : words.Format("Alert.Repeat", notice.AlertId));

    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };
}

/// <summary>Job <c>alert.notify</c>: one notice of one alert to one contact (payload: <see cref="NotifyPayload"/>).</summary>
internal sealed class AlertNotifyJobHandler(AlertNotifier notifier, AlertOptions options, Platform.Cells.ApiTierOptions tier) : IJobHandler
{
    public const string JobKind = "alert.notify";

    public string Kind => JobKind;

    public async Task HandleAsync(JobContext job, CancellationToken cancellationToken)
    {
        var payload = JsonSerializer.Deserialize<NotifyPayload>(job.Payload.Span) ?? throw new JobFailedException("empty alert.notify payload");
        await using var db = job.Cell.CreateDbContext();
        var row = await db.Set<AlertRow>().AsNoTracking().SingleOrDefaultAsync(a => a.Id == payload.Alert, cancellationToken)
            ?? throw new JobFailedException("the alert no longer exists");
        var contact = payload.Contact == "secondary" ? options.Secondary : options.Primary;
        await notifier.SendAsync(AlertNotice.From(row, job.Cell.Region, payload.Event, tier.Environment) with { Sequence = payload.Sequence }, contact, cancellationToken);
    }

    public static JobRequest Request(AlertRow row, string @event, string contact) =>
        new(JobKind, JsonSerializer.SerializeToUtf8Bytes(new NotifyPayload(row.Id, @event, contact, row.Notifications)),
            IdempotencyKey: string.Create(CultureInfo.InvariantCulture, $"alert:{row.Id}:{row.Notifications}:{contact}"), MaxAttempts: 20);
}

internal sealed record NotifyPayload(string Alert, string Event, string Contact, int Sequence);
