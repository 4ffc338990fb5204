using System.Globalization;
using Sigill.Http;

namespace Sigill.Api.Features.SubProcessors;

/// <summary>
/// The operator's register of sub-processors (section <c>SubProcessors</c>): the third parties that process customer data
/// for this installation. The configuration is the register as the operator wants it to be; the published versions
/// (<see cref="SubProcessorVersion"/>) record when each state was announced and when it takes effect.
/// </summary>
public sealed class SubProcessorOptions : IValidatedOptions
{
    /// <summary>How many days owners are told before a change takes effect (GDPR Art. 28(2): time to object).</summary>
    public int NoticeDays { get; set; } = 30;

    /// <summary>How often every API node compares the configuration with the last published version (also once at start).</summary>
    public TimeSpan CheckInterval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// The revision of the declared register: raise it with every change of <see cref="Entries"/>. A cell publishes a new
    /// version only when this is higher than the revision of its latest version, so API nodes that still run an older
    /// configuration (during a rolling deploy) never publish it back. The same revision with different entries is an
    /// operator's mistake: logged as a warning, nothing published.
    /// </summary>
    public int Revision { get; set; } = 1;

    public List<SubProcessorEntry> Entries { get; set; } = [];

    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (NoticeDays is < 0 or > 365) problems.Add("SubProcessors:NoticeDays must be 0-365");
        if (Revision < 1) problems.Add("SubProcessors:Revision must be 1 or more (raise it with every change of the entries)");
        if (CheckInterval < TimeSpan.FromSeconds(1) || CheckInterval > TimeSpan.FromDays(1)) problems.Add("SubProcessors:CheckInterval must be between 1 second and 1 day");
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < Entries.Count; i++)
        {
            var e = Entries[i];
            var at = $"SubProcessors:Entries:{i.ToString(CultureInfo.InvariantCulture)}";
            if (string.IsNullOrWhiteSpace(e.Name) || e.Name.Length > 100) { problems.Add($"{at}:Name is required (at most 100 characters)"); continue; }
            at = $"{at} ({e.Name})";
            if (!names.Add(e.Name.Trim())) problems.Add($"{at}: the name appears twice");
            if (string.IsNullOrWhiteSpace(e.Purpose) || e.Purpose.Length > 500) problems.Add($"{at}:Purpose is required (at most 500 characters)");
            if (e.DataCategories.Count == 0 || e.DataCategories.Any(c => string.IsNullOrWhiteSpace(c) || c.Length > 100)) problems.Add($"{at}:DataCategories must list at least one category (each at most 100 characters)");
            if (string.IsNullOrWhiteSpace(e.Location) || e.Location.Length > 200) problems.Add($"{at}:Location is required (at most 200 characters)");
            if (e.Regions.Any(r => !Platform.Cells.RegionName.IsWellFormed(r))) problems.Add($"{at}:Regions must be region names (empty: every region)");
            if (string.IsNullOrWhiteSpace(e.TransferMechanism) || e.TransferMechanism.Length > 200) problems.Add($"{at}:TransferMechanism is required (for example 'EU SCCs' or 'none: within the EEA')");
            if (!Uri.TryCreate(e.TermsUrl, UriKind.Absolute, out var terms) || terms.Scheme != Uri.UriSchemeHttps || e.TermsUrl!.Length > 500) problems.Add($"{at}:TermsUrl must be an absolute https URL");
            if (e.Added is null) problems.Add($"{at}:Added is required (the date, yyyy-MM-dd)");
            if (e.Effective is { } eff && e.Added is { } added && eff < added) problems.Add($"{at}:Effective ({eff:yyyy-MM-dd}) is before Added ({added:yyyy-MM-dd})");
        }
        return problems;
    }
}

/// <summary>One sub-processor as the operator declares it.</summary>
public sealed class SubProcessorEntry
{
    public string? Name { get; set; }
    public string? Purpose { get; set; }
    public List<string> DataCategories { get; set; } = [];
    /// <summary>Where it processes the data (country, city or data-centre region).</summary>
    public string? Location { get; set; }
    /// <summary>The Sigill regions whose data it sees; empty: every region.</summary>
    public List<string> Regions { get; set; } = [];
    /// <summary>The legal basis of a transfer out of the region (EU SCCs, adequacy decision, none).</summary>
    public string? TransferMechanism { get; set; }
    public string? TermsUrl { get; set; }
    /// <summary>When the operator added it to the register.</summary>
    public DateOnly? Added { get; set; }
    /// <summary>
    /// When the entry as written now should take effect (a new sub-processor's start, a changed entry's new terms). Never
    /// earlier than <see cref="SubProcessorOptions.NoticeDays"/> after the change is announced; null: as soon as allowed.
    /// </summary>
    public DateOnly? Effective { get; set; }
}
