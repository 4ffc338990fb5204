using System.Globalization;
using System.Resources;

namespace Sigill.Pdf.Rendering;

/// <summary>
/// The certificate of completion's words in one language, from <c>Resources/CertificateText*.resx</c> (English is the
/// neutral set; sv, de, fr and es are satellite assemblies). Only the rendered text is localized: hashes, identifiers,
/// leaf indexes and the audit events' descriptions are written as they are stored, the same in every language.
/// </summary>
internal sealed class CertificateWords(CultureInfo culture)
{
    /// <summary>The resource set, for the test that finds keys missing in a language.</summary>
    internal static readonly ResourceManager Resources = new("Sigill.Pdf.Rendering.Resources.CertificateText", typeof(CertificateWords).Assembly);

    public CultureInfo Culture { get; } = culture;

    public string this[string key] => Resources.GetString(key, Culture) ?? throw new InvalidOperationException($"certificate text {key} is missing");

    public string Format(string key, params object?[] args) => string.Format(Culture, this[key], args);

    /// <summary>A moment in UTC, in the language's own way of writing dates (month names need ICU).</summary>
    public string Time(DateTimeOffset t) => t.ToUniversalTime().ToString(this["Certificate.TimeFormat"], Culture);
}
