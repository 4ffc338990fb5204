using System.Resources;
using Microsoft.EntityFrameworkCore;
using MimeKit;
using Sigill.Api.Features.Accounts;
using Sigill.Api.Features.Organizations;
using Sigill.Api.Platform.Cells;
using Sigill.Api.Platform.Mail;
using Sigill.Api.Platform.Persistence;

namespace Sigill.Api.Features.Documents;

/// <summary>
/// Who a document's e-mails come from and what they are about: the organization (name and brand colour), the person
/// who sent it (name and address, for Reply-To; none when an API token without a person sent it), the title and the
/// sender's message. Read once per batch of messages, decrypted under the organization's key.
/// The e-mails to a recipient are in the recipient's language, else the organization's default (<see cref="DefaultLanguage"/>),
/// with words from <c>Resources/RecipientMailText*.resx</c>; the notices to the sender are in the organization's default
/// language, from <c>Resources/SenderMailText*.resx</c>.
/// </summary>
internal sealed record DocumentMail(Cell Cell, Document Document, MailOptions Options, MailBrand Brand, string? SenderName, string? SenderEmail, string Title, string? Note,
    string? DefaultLanguage = null)
{
    /// <summary>The recipients' e-mails, for the test that finds keys missing in a language.</summary>
    internal static readonly ResourceManager Resources = new("Sigill.Api.Features.Documents.Resources.RecipientMailText", typeof(DocumentMail).Assembly);

    /// <summary>The notices to the sender (<c>Resources/SenderMailText*.resx</c>).</summary>
    internal static readonly ResourceManager SenderResources = new("Sigill.Api.Features.Documents.Resources.SenderMailText", typeof(DocumentMail).Assembly);

    public static async Task<DocumentMail> LoadAsync(CellDbContext db, Cell cell, Document d, MailOptions options, CancellationToken ct)
    {
        var letterhead = await db.ReadOnceAsync("letterhead:" + d.OrganizationId, async () =>
        {
            var org = await db.Organizations.AsNoTracking().SingleAsync(o => o.Id == d.OrganizationId, ct);
            var orgName = (await cell.Keys.DecryptFieldAsync(org.Id, Organization.NamePurpose, org.NameToken, org.Id, ct))!;
            var logo = await cell.Keys.DecryptFieldAsync(org.Id, Organization.LogoPurpose, org.LogoToken, org.Id, ct);
            return new Letterhead(new MailBrand(orgName, org.BrandColor, logo is null ? null : Convert.FromBase64String(logo)), org.DefaultLanguage);
        });
        var sender = d.SentByUserId is not { } userId ? null : await db.ReadOnceAsync($"sender:{d.OrganizationId}:{userId}", async () =>
        {
            var member = await db.Memberships.AsNoTracking().SingleOrDefaultAsync(m => m.OrganizationId == d.OrganizationId && m.UserId == userId, ct);
            return member is null ? new Sender(null, null) : new Sender(
                await cell.Keys.DecryptFieldAsync(d.OrganizationId, Membership.NamePurpose, member.NameToken, userId, ct),
                await cell.Keys.DecryptFieldAsync(d.OrganizationId, Membership.EmailPurpose, member.EmailToken, userId, ct));
        });
        return new DocumentMail(cell, d, options, letterhead.Brand, sender?.Name, sender?.Email,
            (await cell.Keys.DecryptFieldAsync(d.OrganizationId, Document.TitlePurpose, d.TitleToken, d.Id, ct))!,
            await cell.Keys.DecryptFieldAsync(d.OrganizationId, Document.MessagePurpose, d.MessageToken, d.Id, ct), letterhead.DefaultLanguage);
    }

    private sealed record Letterhead(MailBrand Brand, string? DefaultLanguage);

    private sealed record Sender(string? Name, string? Email);

    /// <summary>"Ann Lee of Acme", or "Acme" when no person sent it.</summary>
    public string Who => SenderName is { } name ? $"{name} of {Brand.OrganizationName}" : Brand.OrganizationName;

    /// <summary>The language of <paramref name="r"/>'s e-mails: theirs, else the organization's, else English.</summary>
    public string LanguageOf(Recipient r) => Languages.IsSupported(r.Language) ? r.Language! : Languages.IsSupported(DefaultLanguage) ? DefaultLanguage! : Languages.English;

    private MailWords Words(Recipient r) => new(LanguageOf(r), Resources);

    /// <summary><see cref="Who"/> in a recipient's language.</summary>
    private string WhoFor(MailWords t) => SenderName is { } name ? t.Format("Mail.Who.Person", name, Brand.OrganizationName) : Brand.OrganizationName;

    /// <summary>A moment in the recipient's language (month names need ICU); <paramref name="time"/>: with the hour, in UTC.</summary>
    private static string Date(MailWords t, DateTime at, bool time) =>
        at.ToString(t["Mail.DateFormat"] + (time ? ", HH:mm 'UTC'" : ""), t.Culture);

    public string Link(string path) => $"{Options.LinkBaseUrl.TrimEnd('/')}{path}";

    /// <summary>The message to a recipient or the sender, from "Ann Lee via Sigill" with Reply-To Ann.</summary>
    public MailMessage Message(MailContent content, string toName, string toAddress) =>
        content.To(Cell.Region, toName, toAddress, Brand) with
        {
            FromName = $"{SenderName ?? Brand.OrganizationName} via Sigill",
            ReplyTo = SenderEmail is { } email && MailboxAddress.TryParse(email, out var address) ? new MailboxAddress(SenderName ?? "", address.Address) : null,
        };

    private string Why(MailWords t, Recipient r) => t.Format(r.Role switch
    {
        RecipientRoles.Signer => "Mail.Why.Signer",
        RecipientRoles.Approver => "Mail.Why.Approver",
        _ => "Mail.Why.Cc",
    }, WhoFor(t));

    /// <summary>The invitation (or a reminder) carrying a recipient's personal link, in the recipient's language.</summary>
    public MailContent Invitation(Recipient r, string name, string link, bool reminder)
    {
        var t = Words(r);
        var role = r.Role switch
        {
            RecipientRoles.Signer => "Signer",
            RecipientRoles.Approver => "Approver",
            _ => "Cc",
        };
        var heading = t.Format($"Mail.Invite.{role}.Heading", WhoFor(t), Title);
        var blocks = new List<MailBlock> { new MailBlock.Paragraph(t.Format("Mail.Hello", name)) };
        if (reminder) blocks.Add(new MailBlock.Paragraph(t["Mail.Reminder.Text"]));
        if (!string.IsNullOrWhiteSpace(Note)) blocks.Add(new MailBlock.Quote(Note, t.Format("Mail.Invite.Wrote", SenderName ?? Brand.OrganizationName)));
        blocks.Add(new MailBlock.Button(t[$"Mail.Invite.{role}.Button"], link));
        var expiry = Document.ExpiresAt is { } expires ? Date(t, expires, time: true) : "";
        blocks.Add(new MailBlock.Paragraph(t.Format("Mail.Invite.Personal", expiry)));
        var subject = t.Format($"Mail.Invite.{role}.Subject", WhoFor(t), Title);
        if (reminder) subject = t.Format("Mail.Reminder.Subject", subject);
        return new MailContent(subject, heading, blocks, Why(t, r)) { Language = t.Language };
    }

    /// <summary>To the payer once everyone has signed: the amount and their personal payment link (the processor's page takes the card).</summary>
    public MailContent PaymentDue(Recipient r, string name, string link, string amount)
    {
        var t = Words(r);
        return new(t.Format("Mail.Payment.Subject", Title), t.Format("Mail.Payment.Heading", Title, amount),
        [
            new MailBlock.Paragraph(t.Format("Mail.Hello", name)),
            new MailBlock.Paragraph(t.Format("Mail.Payment.Text", Title, WhoFor(t), amount)),
            new MailBlock.Button(t.Format("Mail.Payment.Button", amount), link),
            new MailBlock.Paragraph(t["Mail.Payment.Safety"]),
        ], Why(t, r)) { Language = t.Language };
    }

    /// <summary>To a recipient whose link died because the sender voided the document.</summary>
    public MailContent Voided(Recipient r, string name, string? reason)
    {
        var t = Words(r);
        var blocks = new List<MailBlock>
        {
            new MailBlock.Paragraph(t.Format("Mail.Hello", name)),
            new MailBlock.Paragraph(t.Format("Mail.Voided.Text", WhoFor(t), Title)),
        };
        if (!string.IsNullOrWhiteSpace(reason)) blocks.Add(new MailBlock.Quote(reason, t["Mail.Reason"]));
        return new MailContent(t.Format("Mail.Voided.Subject", Title), t.Format("Mail.Voided.Heading", Title), blocks, Why(t, r)) { Language = t.Language };
    }

    /// <summary>The completion e-mail to a recipient: the sealed PDF attached (when it may be) and a download link.</summary>
    /// <param name="files">The files the recipient uploaded while signing that are not attached: name and download link.</param>
    public MailContent CompletedForRecipient(Recipient r, string name, string link, DateTime linkExpires, bool attached, IReadOnlyList<(string Name, string Link)> files)
    {
        var t = Words(r);
        List<MailBlock> blocks =
        [
            new MailBlock.Paragraph(t.Format("Mail.Hello", name)),
            new MailBlock.Paragraph(t[attached ? "Mail.Completed.Attached" : "Mail.Completed.Download"]),
            new MailBlock.Button(t["Mail.Completed.Button"], link),
        ];
        if (files.Count > 0)
        {
            blocks.Add(new MailBlock.Paragraph(t["Mail.Completed.Files"]));
            blocks.AddRange(files.Select(f => new MailBlock.Button(f.Name, f.Link)));
        }
        blocks.Add(new MailBlock.Paragraph(t.Format("Mail.Completed.Until", Date(t, linkExpires, time: false))));
        return new(t.Format("Mail.Completed.Subject", Title), t.Format("Mail.Completed.Heading", Title), blocks, Why(t, r)) { Language = t.Language };
    }

    /// <summary>The completion notice to the sender, with the same attachment and a link to the document in Sigill.</summary>
    public MailContent CompletedForSender(bool attached)
    {
        var t = SenderWords;
        return new(t.Format("Sender.Completed.Subject", Title), t.Format("Sender.Completed.Heading", Title),
        [
            new MailBlock.Paragraph(t[attached ? "Sender.Completed.Attached" : "Sender.Completed.Ready"]),
            new MailBlock.Button(t["Sender.Open"], Link($"/documents/{Document.Id}")),
        ], SenderWhy(t, "completed")) { Language = t.Language };
    }

    /// <summary>A notice to the sender of what a recipient did (or that the document expired), in the organization's language.</summary>
    public MailContent Notice(string notice, string? recipientName, string? detail)
    {
        var t = SenderWords;
        var who = recipientName ?? t["Sender.ARecipient"];
        var key = notice switch
        {
            "viewed" => "Sender.Viewed",
            "signed" => "Sender.Signed",
            "approved" => "Sender.Approved",
            "declined" => "Sender.Declined",
            "expired" => "Sender.Expired",
            _ => throw new ArgumentOutOfRangeException(nameof(notice), notice, "not a sender notice"),
        };
        var subject = t.Format(key + ".Subject", Title);
        var blocks = new List<MailBlock> { new MailBlock.Paragraph(t.Format(key + ".Text", Title, who)) };
        if (!string.IsNullOrWhiteSpace(detail)) blocks.Add(new MailBlock.Quote(detail, t["Sender.Reason"]));
        blocks.Add(new MailBlock.Button(t["Sender.Open"], Link($"/documents/{Document.Id}")));
        return new MailContent(subject, subject, blocks, SenderWhy(t, notice)) { Language = t.Language };
    }

    /// <summary>The sender's notices speak the organization's default language (the sender has no language of their own yet).</summary>
    private MailWords SenderWords => new(DefaultLanguage, SenderResources);

    /// <summary>The name of the notice setting (<c>signed</c>, ...) stays as the account page names it.</summary>
    private string SenderWhy(MailWords t, string notice) => t.Format("Sender.Why", Brand.OrganizationName, notice);
}
