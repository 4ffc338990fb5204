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

    /// <summary>An activity entry's words for its audit action; the API's own (English) words for an action added later.</summary>
    public static string Activity(string action, string description) => Word("Activity.", action, description);

    /// <summary>The word for a code in the request's language (SenderText), or the code itself for one the API added later.</summary>
    private static string Word(string prefix, string code, string? otherwise = null) =>
        SenderText.Resources.GetString(prefix + code, System.Globalization.CultureInfo.CurrentUICulture) ?? otherwise ?? code;
}
