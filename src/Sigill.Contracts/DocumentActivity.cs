namespace Sigill.Contracts;

/// <summary>
/// What a document's events say to people, in one place for the sender's activity list and the certificate of
/// completion: plain words for each audit action, and who does it (a recipient, the sending organization, or Sigill).
/// The action's code stays beside the words in the evidence, so nothing is lost in translation.
/// </summary>
public static class DocumentActivity
{
    public enum Actor { Recipient, Sender, System }

    public static string Describe(string action) => action switch
    {
        "document.created" => "Created",
        "document.sent" => "Sent for signing",
        "document.viewed" => "Opened the document",
        "document.reminded" => "Reminder sent",
        "document.consented" => "Agreed to sign electronically",
        "document.signed" => "Signed",
        "document.approved" => "Approved",
        "document.declined" => "Declined",
        "document.completed" => "Completed and sealed",
        "document.voided" => "Voided",
        "document.expired" => "Expired",
        "document.resent" => "Invitation sent again",
        "document.delivered" => "Signed copies e-mailed to everyone",
        "document.downloaded" => "Downloaded the signed copy",
        "document.attachment_uploaded" => "Uploaded an attachment",
        "document.sealed_without_timestamp" => "Sealed without a trusted timestamp",
        "document.timestamp_renewed" => "Archive timestamp renewed",
        "recipient.corrected" => "Recipient's name or e-mail corrected",
        "document.payment_required" => "Payment required from the payer",
        "document.payment_not_required" => "Payment no longer required",
        "document.awaiting_payment" => "Signed by everyone; waiting for payment",
        "document.checkout_started" => "Went to the payment page",
        "document.paid" => "Paid",
        "document.paid_outside" => "Recorded as paid outside Sigill",
        "document.refunded" => "Refunded",
        "document.payment_disputed" => "Payment disputed",
        "document.payment_refused" => "A payment report that did not match was refused",
        "step_up.code_sent" => "One-time code e-mailed",
        "step_up.passed" => "Entered the right code",
        "step_up.failed" => "Entered a wrong code",
        "step_up.locked" => "Locked out after too many wrong codes",
        _ => action,
    };

    public static Actor ActorOf(string action) => action switch
    {
        "document.created" or "document.sent" or "document.voided" or "document.resent" or "recipient.corrected"
            or "document.payment_required" or "document.payment_not_required" or "document.paid_outside" => Actor.Sender,
        "document.completed" or "document.expired" or "document.delivered" or "document.reminded"
            or "document.sealed_without_timestamp" or "document.timestamp_renewed"
            or "document.awaiting_payment" or "document.refunded" or "document.payment_disputed" or "document.payment_refused" => Actor.System,
        _ => Actor.Recipient,
    };
}
