namespace Sigill.Contracts;

// A recipient's signing link (/api/v1/signing/{token}).

/// <summary>Before a required step-up (<see cref="StepUp"/> set, <see cref="StepUpPassed"/> false) the API leaves out the title, pages and fields.</summary>
/// <param name="Language">The language the recipient's page speaks: the recipient's, else the organization's default, else English (one of <see cref="Languages.Supported"/>).</param>
/// <param name="Pricing">The document's pricing totals when the recipient has a formula field (a formula may use them), else null.</param>
public sealed record SigningView(string DocumentId, string? Title, string RecipientId, string Name, string Role, string Status,
    bool ConsentGiven, bool Viewed, bool YourTurn, int PageCount, IReadOnlyList<PageView> Pages, IReadOnlyList<FieldView> Fields, DateTime? ExpiresAt,
    string? StepUp, bool StepUpPassed, string Language = Languages.English, PricingTotals? Pricing = null);

public sealed record StepUpGrant(string Grant, DateTime ExpiresAt);

/// <param name="PaymentLink">For the payer whose signature was the last: the path of their payment page (<c>/p/{token}</c>), also e-mailed to them.</param>
public sealed record SignResult(string RecipientId, string Status, string DocumentStatus, string Receipt, string? PaymentLink = null);

/// <summary>
/// The privacy notice of a signing link (<c>GET /api/v1/signing/{token}/privacy</c>): the sending organization is the
/// controller of the recipient's data; the operator of the installation processes it for them.
/// </summary>
public sealed record PrivacyNoticeView(string Controller, string? Operator, string? OperatorContact);
