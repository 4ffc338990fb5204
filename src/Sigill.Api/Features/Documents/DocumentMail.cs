using System.Globalization;
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
/// </summary>
internal sealed record DocumentMail(Cell Cell, Document Document, MailOptions Options, MailBrand Brand, string? SenderName, string? SenderEmail, string Title, string? Note)
{
    public static async Task<DocumentMail> LoadAsync(CellDbContext db, Cell cell, Document d, MailOptions options, CancellationToken ct)
    {
        var brand = await db.ReadOnceAsync("letterhead:" + d.OrganizationId, async () =>
        {
            var org = await db.Organizations.AsNoTracking().SingleAsync(o => o.Id == d.OrganizationId, ct);
            var orgName = (await cell.Keys.DecryptFieldAsync(org.Id, Organization.NamePurpose, org.NameToken, org.Id, ct))!;
            var logo = await cell.Keys.DecryptFieldAsync(org.Id, Organization.LogoPurpose, org.LogoToken, org.Id, ct);
            return new MailBrand(orgName, org.BrandColor, logo is null ? null : Convert.FromBase64String(logo));
        });
        var sender = d.SentByUserId is not { } userId ? null : await db.ReadOnceAsync($"sender:{d.OrganizationId}:{userId}", async () =>
        {
            var member = await db.Memberships.AsNoTracking().SingleOrDefaultAsync(m => m.OrganizationId == d.OrganizationId && m.UserId == userId, ct);
            return member is null ? new Sender(null, null) : new Sender(
                await cell.Keys.DecryptFieldAsync(d.OrganizationId, Membership.NamePurpose, member.NameToken, userId, ct),
                await cell.Keys.DecryptFieldAsync(d.OrganizationId, Membership.EmailPurpose, member.EmailToken, userId, ct));
        });
        return new DocumentMail(cell, d, options, brand, sender?.Name, sender?.Email,
            (await cell.Keys.DecryptFieldAsync(d.OrganizationId, Document.TitlePurpose, d.TitleToken, d.Id, ct))!,
            await cell.Keys.DecryptFieldAsync(d.OrganizationId, Document.MessagePurpose, d.MessageToken, d.Id, ct));
    }

    private sealed record Sender(string? Name, string? Email);

    /// <summary>"Ann Lee of Acme", or "Acme" when no person sent it.</summary>
    public string Who => SenderName is { } name ? $"{name} of {Brand.OrganizationName}" : Brand.OrganizationName;

    public string Link(string path) => $"{Options.LinkBaseUrl.TrimEnd('/')}{path}";

    /// <summary>The message to a recipient or the sender, from "Ann Lee via Sigill" with Reply-To Ann.</summary>
    public MailMessage Message(MailContent content, string toName, string toAddress) =>
        content.To(Cell.Region, toName, toAddress, Brand) with
        {
            FromName = $"{SenderName ?? Brand.OrganizationName} via Sigill",
            ReplyTo = SenderEmail is { } email && MailboxAddress.TryParse(email, out var address) ? new MailboxAddress(SenderName ?? "", address.Address) : null,
        };

    private string Why(Recipient r) => r.Role switch
    {
        RecipientRoles.Signer => $"You got this e-mail because {Who} asked you to sign this document with Sigill.",
        RecipientRoles.Approver => $"You got this e-mail because {Who} asked you to approve this document with Sigill.",
        _ => $"You got this e-mail because {Who} sent you a copy of this document with Sigill.",
    };

    private string? Expiry => Document.ExpiresAt?.ToString("d MMMM yyyy, HH:mm 'UTC'", CultureInfo.InvariantCulture);

    /// <summary>The invitation (or a reminder) carrying a recipient's personal link.</summary>
    public MailContent Invitation(Recipient r, string name, string link, bool reminder)
    {
        var (verb, button) = r.Role switch
        {
            RecipientRoles.Signer => ("sign", "Review and sign"),
            RecipientRoles.Approver => ("approve", "Review and approve"),
            _ => ("view", "View the document"),
        };
        var heading = r.Role == RecipientRoles.Cc ? $"{Who} shared “{Title}” with you" : $"{Who} asks you to {verb} “{Title}”";
        var blocks = new List<MailBlock> { new MailBlock.Paragraph($"Hello {name},") };
        if (reminder) blocks.Add(new MailBlock.Paragraph("A reminder: this document is still waiting for you. This e-mail carries a new link; earlier links no longer work."));
        if (!string.IsNullOrWhiteSpace(Note)) blocks.Add(new MailBlock.Quote(Note, $"{SenderName ?? Brand.OrganizationName} wrote:"));
        blocks.Add(new MailBlock.Button(button, link));
        blocks.Add(new MailBlock.Paragraph($"The link is personal: please do not forward this e-mail. It works until {Expiry}."));
        var subject = (reminder ? "Reminder: " : "") + (r.Role == RecipientRoles.Cc ? $"{Who} shared “{Title}”" : $"Please {verb} “{Title}” for {Who}");
        return new MailContent(subject, heading, blocks, Why(r));
    }

    /// <summary>To the payer once everyone has signed: the amount and their personal payment link (the processor's page takes the card).</summary>
    public MailContent PaymentDue(Recipient r, string name, string link, string amount) =>
        new($"Payment due: “{Title}”", $"“{Title}” is signed: {amount} to pay",
        [
            new MailBlock.Paragraph($"Hello {name},"),
            new MailBlock.Paragraph($"Everyone has signed “{Title}”. {Who} asks you to pay {amount}; the document is completed and sealed once the payment is received."),
            new MailBlock.Button("Pay " + amount, link),
            new MailBlock.Paragraph("You pay on the payment processor's secure page; Sigill never sees your card details. The link is personal: please do not forward this e-mail."),
        ], Why(r));

    /// <summary>To a recipient whose link died because the sender voided the document.</summary>
    public MailContent Voided(Recipient r, string name, string? reason)
    {
        var blocks = new List<MailBlock>
        {
            new MailBlock.Paragraph($"Hello {name},"),
            new MailBlock.Paragraph($"{Who} voided “{Title}”. There is nothing more for you to do, and the link you were sent no longer works."),
        };
        if (!string.IsNullOrWhiteSpace(reason)) blocks.Add(new MailBlock.Quote(reason, "The reason given:"));
        return new MailContent($"Voided: “{Title}”", $"“{Title}” was voided", blocks, Why(r));
    }

    /// <summary>The completion e-mail to a recipient: the sealed PDF attached (when it may be) and a download link.</summary>
    public MailContent CompletedForRecipient(Recipient r, string name, string link, DateTime linkExpires, bool attached) =>
        new($"Completed: “{Title}”", $"“{Title}” is complete",
        [
            new MailBlock.Paragraph($"Hello {name},"),
            new MailBlock.Paragraph("Everyone has signed. " + (attached
                ? "The signed document is attached, sealed with its certificate of completion; keep it for your records."
                : "Download the signed document, sealed with its certificate of completion, and keep it for your records.")),
            new MailBlock.Button("Download the signed document", link),
            new MailBlock.Paragraph($"The download link works until {linkExpires.ToString("d MMMM yyyy", CultureInfo.InvariantCulture)}. Anyone can check the seal with any PDF reader or with Sigill's pdf verify."),
        ], Why(r));

    /// <summary>The completion notice to the sender, with the same attachment and a link to the document in Sigill.</summary>
    public MailContent CompletedForSender(bool attached) =>
        new($"Completed: “{Title}”", $"“{Title}” is complete",
        [
            new MailBlock.Paragraph("Everyone has signed. " + (attached ? "The sealed document is attached." : "The sealed document is ready in Sigill.")),
            new MailBlock.Button("Open the document", Link($"/documents/{Document.Id}")),
        ], SenderWhy("completed"));

    /// <summary>A notice to the sender of what a recipient did (or that the document expired).</summary>
    public MailContent Notice(string notice, string? recipientName, string? detail)
    {
        var who = recipientName ?? "A recipient";
        var (subject, line) = notice switch
        {
            "viewed" => ($"Viewed: “{Title}”", $"{who} opened “{Title}”."),
            "signed" => ($"Signed: “{Title}”", $"{who} signed “{Title}”."),
            "approved" => ($"Approved: “{Title}”", $"{who} approved “{Title}”."),
            "declined" => ($"Declined: “{Title}”", $"{who} declined to sign “{Title}”. The document is closed; duplicate it to send a corrected version."),
            "expired" => ($"Expired: “{Title}”", $"“{Title}” expired before everyone had signed. Its links no longer work."),
            _ => throw new ArgumentOutOfRangeException(nameof(notice), notice, "not a sender notice"),
        };
        var blocks = new List<MailBlock> { new MailBlock.Paragraph(line) };
        if (!string.IsNullOrWhiteSpace(detail)) blocks.Add(new MailBlock.Quote(detail, "The reason given:"));
        blocks.Add(new MailBlock.Button("Open the document", Link($"/documents/{Document.Id}")));
        return new MailContent(subject, subject, blocks, SenderWhy(notice));
    }

    private string SenderWhy(string notice) =>
        $"You got this e-mail because you sent this document from {Brand.OrganizationName}. Switch off “{notice}” notices on your account page.";
}
