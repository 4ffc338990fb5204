using System.Globalization;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;
using Sigill.Http;

namespace Sigill.Api.Platform.Mail;

/// <summary>
/// Mail settings (section <c>Mail</c>). <c>Provider</c> is <c>outbox</c> (the embedded default: each
/// message becomes an .eml file in <c>Outbox:&lt;region&gt;</c> — the one place a recipient's address
/// is kept in clear, because it is what was sent) or <c>smtp</c> (MailKit, <c>Host</c>/<c>Port</c>,
/// <c>Security</c> none|starttls|tls, optional <c>Username</c>/<c>Password</c>).
/// <c>LinkBaseUrl</c> is the public web address recipient links start with.
/// </summary>
public sealed class MailOptions : IValidatedOptions
{
    public string Provider { get; set; } = "outbox";
    public string? Host { get; set; }
    public int Port { get; set; } = 587;
    public string Security { get; set; } = "starttls";
    public string? Username { get; set; }
    public string? Password { get; set; }
    public string From { get; set; } = "Sigill <no-reply@sigill.invalid>";
    public string LinkBaseUrl { get; set; } = "http://127.0.0.1:8080";
    public Dictionary<string, string> Outbox { get; set; } = new(StringComparer.Ordinal);

    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (Provider is not ("outbox" or "smtp")) problems.Add("Mail:Provider must be 'outbox' or 'smtp'");
        if (Provider == "smtp" && string.IsNullOrWhiteSpace(Host)) problems.Add("Mail:Host is required with Mail:Provider smtp");
        if (Port is < 1 or > 65535) problems.Add("Mail:Port must be 1-65535");
        if (Security is not ("none" or "starttls" or "tls")) problems.Add("Mail:Security must be none, starttls or tls");
        if (!MailboxAddress.TryParse(From, out _)) problems.Add("Mail:From is not a mailbox address");
        if (!Uri.TryCreate(LinkBaseUrl, UriKind.Absolute, out var link) || (link.Scheme != "https" && link.Scheme != "http")) problems.Add("Mail:LinkBaseUrl must be an absolute http(s) URL");
        return problems;
    }
}

/// <summary>
/// One e-mail: plain text <paramref name="Body"/>, and when <see cref="Html"/> is set, an HTML alternative of the same
/// words (<see cref="MailContent"/> renders both). <see cref="FromName"/> is the display name on the installation's
/// From address ("Ann Lee via Sigill"); <see cref="ReplyTo"/> the person answers go to.
/// </summary>
public sealed record MailMessage(string Region, string ToName, string ToAddress, string Subject, string Body)
{
    public string? Html { get; init; }
    public string? FromName { get; init; }
    public MailboxAddress? ReplyTo { get; init; }
    public IReadOnlyList<MailAttachment> Attachments { get; init; } = [];
}

/// <summary>A file sent along; with <c>ContentId</c> it is part of the HTML (an inline image, <c>cid:</c>), not a download.</summary>
public sealed record MailAttachment(string FileName, string MediaType, byte[] Content)
{
    public string? ContentId { get; init; }
}

public interface IMailer
{
    Task SendAsync(MailMessage message, CancellationToken ct);
}

public static class MailServices
{
    public static IServiceCollection AddSigillMail(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSigillOptions<MailOptions>("Mail");
        services.AddSingleton<IMailer>(sp =>
        {
            var options = sp.GetRequiredService<MailOptions>();
            return options.Provider == "smtp" ? new SmtpMailer(options) : new OutboxMailer(options);
        });
        services.AddSingleton<Jobs.IJobHandler, MailSendJob>();
        return services;
    }

    /// <summary>
    /// Deletes the outbox's copies of messages to <paramref name="address"/> (provider <c>outbox</c>: the region's folder of
    /// .eml files, which holds addresses in clear and is in no backup); returns how many. Matched on the To header, compared
    /// case-insensitively. Nothing to do with provider <c>smtp</c>: what was sent is the mail server's.
    /// </summary>
    public static int DeleteOutboxCopies(MailOptions options, string region, string address)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Provider != "outbox" || !options.Outbox.TryGetValue(region, out var folder) || !Directory.Exists(folder)) return 0;
        var wanted = address.Trim();
        var deleted = 0;
        foreach (var file in Directory.EnumerateFiles(folder, "*.eml"))
        {
            MimeMessage message;
            try
            {
                message = MimeMessage.Load(file);
            }
            catch (Exception e) when (e is IOException or FormatException)
            {
                continue;
            }
            if (message.To.Mailboxes.Any(m => string.Equals(m.Address, wanted, StringComparison.OrdinalIgnoreCase)))
            {
                File.Delete(file);
                deleted++;
            }
        }
        return deleted;
    }

    /// <summary>A message that did not go: the mail server refused or vanished, or the outbox could not be written.</summary>
    public static bool IsDeliveryFailure(Exception e) =>
        e is IOException or MailKit.Net.Smtp.SmtpCommandException or MailKit.Net.Smtp.SmtpProtocolException or MailKit.ServiceNotConnectedException
            or System.Net.Sockets.SocketException or InvalidOperationException;

    /// <summary>Whether <paramref name="email"/> is one plain address (<c>name@host</c>, 4-254 characters, nothing around it).</summary>
    public static bool IsSingleAddress([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] string? email) =>
        email is { Length: >= 4 and <= 254 } && email.Contains('@', StringComparison.Ordinal) && MailboxAddress.TryParse(email, out var parsed) && parsed.Address == email;

    internal static MimeMessage Compose(MailOptions options, MailMessage message)
    {
        // Display names and the subject are one line of text whatever a sender typed (MailKit encodes them; this
        // removes what could still mislead: line breaks, bidi overrides, zero-width characters).
        var mime = new MimeMessage();
        var from = MailboxAddress.Parse(options.From);
        if (message.FromName is { } fromName) from = new MailboxAddress(MailText.Header(fromName), from.Address);
        mime.From.Add(from);
        mime.To.Add(new MailboxAddress(MailText.Header(message.ToName), message.ToAddress));
        if (message.ReplyTo is { } replyTo) mime.ReplyTo.Add(new MailboxAddress(MailText.Header(replyTo.Name), replyTo.Address));
        mime.Subject = MailText.Header(message.Subject);
        var body = new BodyBuilder { TextBody = message.Body, HtmlBody = message.Html };
        foreach (var attachment in message.Attachments)
        {
            if (attachment.ContentId is { } id)
            {
                body.LinkedResources.Add(MailText.Header(attachment.FileName), attachment.Content, ContentType.Parse(attachment.MediaType)).ContentId = id;
                continue;
            }
            body.Attachments.Add(MailText.Header(attachment.FileName), attachment.Content, ContentType.Parse(attachment.MediaType));
        }
        mime.Body = body.ToMessageBody();
        return mime;
    }
}

/// <summary>Writes each message as <c>{time}-{random}.eml</c> into the region's outbox folder (atomically: temp file, then rename).</summary>
internal sealed class OutboxMailer(MailOptions options) : IMailer
{
    public async Task SendAsync(MailMessage message, CancellationToken ct)
    {
        if (!options.Outbox.TryGetValue(message.Region, out var folder))
        {
            throw new InvalidOperationException($"no outbox folder configured for region '{message.Region}' (Mail:Outbox:{message.Region})");
        }
        Directory.CreateDirectory(folder);
        var name = $"{DateTime.UtcNow.ToString("yyyyMMddTHHmmssfff", CultureInfo.InvariantCulture)}-{Guid.NewGuid():N}.eml";
        var temp = Path.Combine(folder, "." + name + ".tmp");
        await MailServices.Compose(options, message).WriteToAsync(temp, ct);
        File.Move(temp, Path.Combine(folder, name));
    }
}

internal sealed class SmtpMailer(MailOptions options) : IMailer
{
    public async Task SendAsync(MailMessage message, CancellationToken ct)
    {
        using var client = new SmtpClient();
        var security = options.Security switch
        {
            "none" => SecureSocketOptions.None,
            "tls" => SecureSocketOptions.SslOnConnect,
            _ => SecureSocketOptions.StartTls,
        };
        await client.ConnectAsync(options.Host!, options.Port, security, ct);
        if (!string.IsNullOrEmpty(options.Username))
        {
            await client.AuthenticateAsync(options.Username, options.Password ?? "", ct);
        }
        await client.SendAsync(MailServices.Compose(options, message), ct);
        await client.DisconnectAsync(true, ct);
    }
}
