namespace Sigill.Api.Features.Documents;

/// <summary>
/// The document state machine. Every status change goes through <see cref="CanMove"/>; anything
/// else answers 409 <c>document_state_conflict</c>.
/// <code>
/// draft ──send──► sent ──last signer──► completed
///   │               ├──decline──► declined
///   └──void──►      ├──void─────► voided
///       voided      ├──expiry───► expired
///                   └──last signer, payment required──► awaiting_payment ──paid (or paid outside)──► completed
///                                                              └──void──► voided
/// </code>
/// A document awaiting payment does not expire: everyone has signed, and the sender decides (void it, or record a
/// payment made outside Sigill).
/// </summary>
public static class DocumentStates
{
    public const string Draft = "draft";
    public const string Sent = "sent";
    public const string Completed = "completed";
    public const string Declined = "declined";
    public const string Voided = "voided";
    public const string Expired = "expired";
    public const string AwaitingPayment = "awaiting_payment";

    private static readonly Dictionary<string, string[]> Allowed = new(StringComparer.Ordinal)
    {
        [Draft] = [Sent, Voided],
        [Sent] = [Completed, Declined, Voided, Expired, AwaitingPayment],
        [AwaitingPayment] = [Completed, Voided],
        [Completed] = [],
        [Declined] = [],
        [Voided] = [],
        [Expired] = [],
    };

    public static IReadOnlyCollection<string> All => Allowed.Keys;

    public static bool CanMove(string from, string to) => Allowed.TryGetValue(from, out var next) && next.Contains(to, StringComparer.Ordinal);
}

public static class RecipientRoles
{
    public const string Signer = "signer";
    public const string Approver = "approver";
    public const string Cc = "cc";

    public static bool IsValid(string? role) => role is Signer or Approver or Cc;

    /// <summary>Signers and approvers must act before a document completes; cc recipients only receive it.</summary>
    public static bool Acts(string role) => role is Signer or Approver;
}

public static class RecipientStates
{
    public const string Pending = "pending";
    public const string Notified = "notified";
    public const string Signed = "signed";
    public const string Approved = "approved";
    public const string Declined = "declined";

    public static bool IsDone(string status) => status is Signed or Approved;
}

public static class FieldKinds
{
    public const string Signature = "signature";
    public const string Initials = "initials";
    public const string Text = "text";
    public const string Date = "date";
    public const string Checkbox = "checkbox";
    public const string Number = "number";
    public const string Email = "email";
    public const string Name = "name";
    public const string Dropdown = "dropdown";
    public const string Radio = "radio";
    public const string Formula = "formula";
    public const string Attachment = "attachment";

    public static bool IsValid(string? kind) => kind is Signature or Initials or Text or Date or Checkbox or Number or Email or Name or Dropdown or Radio or Formula or Attachment;

    /// <summary>A kind whose value is one of the sender's options.</summary>
    public static bool HasOptions(string? kind) => kind is Dropdown or Radio;
}
