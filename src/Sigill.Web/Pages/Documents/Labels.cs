namespace Sigill.Web.Pages.Documents;

/// <summary>What people read for the API's codes: statuses, roles and field kinds (activity: Sigill.Contracts.DocumentActivity).</summary>
public static class Labels
{
    public static string Status(string status) => status switch
    {
        "draft" => "Draft",
        "sent" => "Out for signature",
        "awaiting_payment" => "Awaiting payment",
        "completed" => "Completed",
        "declined" => "Declined",
        "voided" => "Voided",
        "expired" => "Expired",
        "pending" => "Waiting",
        "notified" => "Link sent",
        "signed" => "Signed",
        "approved" => "Approved",
        _ => status,
    };

    public static string Role(string role) => role switch
    {
        "signer" => "Signer",
        "approver" => "Approver",
        "cc" => "Receives a copy",
        _ => role,
    };

    public static string Kind(string kind) => kind switch
    {
        "signature" => "Signature",
        "initials" => "Initials",
        "text" => "Text",
        "date" => "Date",
        "checkbox" => "Checkbox",
        "number" => "Number",
        "email" => "E-mail",
        "name" => "Full name",
        "dropdown" => "Dropdown",
        "radio" => "Choice",
        "formula" => "Formula",
        "attachment" => "File upload",
        _ => kind,
    };
}
