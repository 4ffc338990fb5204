namespace Sigill.Contracts;

/// <summary>The request headers that carry something between a client, the web tier and the API tier.</summary>
public static class SigillHeaders
{
    /// <summary>The web tier's proof that a request came through it (the API tier answers nothing without it).</summary>
    public const string ServiceCredential = "Sigill-Service-Credential";

    /// <summary>A recipient's step-up grant, sent on every signing request after the code was checked.</summary>
    public const string StepUp = "Sigill-Step-Up";

    /// <summary>The support grant an operator's request acts under.</summary>
    public const string SupportGrant = "Sigill-Support-Grant";
}
