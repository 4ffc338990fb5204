using System.Globalization;

namespace Sigill.Http;

/// <summary>
/// Sigill formats dates and numbers per language, which needs ICU (libicu). With no libicu on the host the runtime
/// refuses to start by itself (<c>InvariantGlobalization</c> is off); a runtime told to do without it
/// (<c>DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1</c>) would run in the invariant culture and write English month names
/// into a Swedish e-mail without a word, so both tiers call <see cref="EnsureAvailable"/> first and refuse to start.
/// </summary>
public static class Icu
{
    /// <summary>Whether the runtime has ICU's culture data: January in Swedish is "januari".</summary>
    public static bool Available()
    {
        try
        {
            return new DateTime(2026, 1, 15, 0, 0, 0, DateTimeKind.Utc).ToString("MMMM", CultureInfo.GetCultureInfo("sv-SE")) == "januari";
        }
        catch (CultureNotFoundException)
        {
            return false;
        }
    }

    /// <exception cref="SigillConfigurationException">without ICU, with one line naming the package to install.</exception>
    public static void EnsureAvailable(string tier)
    {
        if (!Available())
        {
            throw new SigillConfigurationException(
                $"invalid {tier} configuration: ICU culture data is missing (install libicu, on Debian 12 `apt-get install libicu72`, and do not set DOTNET_SYSTEM_GLOBALIZATION_INVARIANT); Sigill formats e-mails, pages and certificates per language");
        }
    }
}
