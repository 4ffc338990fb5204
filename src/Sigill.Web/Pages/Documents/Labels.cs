namespace Sigill.Web.Pages.Documents;

/// <summary>What people read for the API's codes: statuses, roles and field kinds, in the request's language (<c>Status.*</c>, <c>Role.*</c>, <c>Kind.*</c> in SenderText; activity: Sigill.Contracts.DocumentActivity).</summary>
public static class Labels
{
    public static string Status(string status) => Word("Status.", status);

    public static string Role(string role) => Word("Role.", role);

    public static string Kind(string kind) => Word("Kind.", kind);

    /// <summary>A field kind inside a sentence ("Remove the signature field of …"): lower case, except in German, whose nouns keep their capital.</summary>
    public static string KindInSentence(string kind) =>
        PageLanguage.Lang == "de" ? Kind(kind) : Kind(kind).ToLower(System.Globalization.CultureInfo.CurrentUICulture);

    /// <summary>
    /// Whether the page speaks English: a few pages showed the API's codes (<c>sent</c>, <c>signer</c>) before they were
    /// translated, and still do in English (scripts and tests read them); in another language they show the words.
    /// </summary>
    public static bool English => System.Globalization.CultureInfo.CurrentUICulture.TwoLetterISOLanguageName is "en" or "iv";

    /// <summary>A member's role in the organization (<c>owner</c>, <c>admin</c>, <c>member</c>, <c>viewer</c>): in English the code itself.</summary>
    public static string OrgRole(string role) => Word("OrgRole.", role);

    /// <summary>An invitation's status (<c>pending</c>, …): in English the code itself.</summary>
    public static string InvitationStatus(string status) => Word("Org.InvitationStatus.", status);

    /// <summary>A staff-access request's status (<c>requested</c>, …): in English the code itself.</summary>
    public static string GrantStatus(string status) => Word("Org.GrantStatus.", status);

    /// <summary>
    /// How a session signed in (<c>password</c>, <c>sso</c>, <c>password+totp</c>, …), part by part: in English the code
    /// itself, in another language its words joined by the same <c>+</c>; a part Sigill has no word for stays its code.
    /// </summary>
    public static string SignInMethod(string method) => string.Join("+", method.Split('+').Select(part => Word("SignInMethod.", part)));

    /// <summary>An activity entry's words for its audit action; the API's own (English) words for an action added later.</summary>
    public static string Activity(string action, string description) => Word("Activity.", action, description);

    /// <summary>The word for a code in the request's language (SenderText), or the code itself for one the API added later.</summary>
    private static string Word(string prefix, string code, string? otherwise = null) =>
        SenderText.Resources.GetString(prefix + code, System.Globalization.CultureInfo.CurrentUICulture) ?? otherwise ?? code;
}
