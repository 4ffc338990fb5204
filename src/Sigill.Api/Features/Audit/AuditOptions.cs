using System.Globalization;
using System.Security.Cryptography;
using Sigill.Http;

namespace Sigill.Api.Features.Audit;

/// <summary>
/// The <c>Audit</c> configuration section. The origin of a region's log is
/// <c>&lt;Host&gt;/&lt;InstallationId&gt;/audit/&lt;region&gt;</c>; it is fixed when the region's log key is
/// created (first start), so set <c>Audit:Host</c> to the installation's public host name before then.
/// The embedded installation passes its id from <c>installation.json</c>; a deployment configured only
/// by file should set <c>Audit:InstallationId</c> (otherwise a random one is chosen at key creation).
/// </summary>
public sealed class AuditOptions : IValidatedOptions
{
    private string? _generatedId;

    public string Host { get; set; } = "sigill.local";

    public string? InstallationId { get; set; }

    /// <summary>How often the sequencer looks for new events; a checkpoint is issued on every pass that found some.</summary>
    public int SequencerIntervalMilliseconds { get; set; } = 500;

    /// <summary>The most events one sequencing transaction takes (SQLite has one writer: keep it short).</summary>
    public int BatchSize { get; set; } = 20_000;

    public string OriginFor(string region)
    {
        var id = InstallationId is { Length: > 0 } configured
            ? configured
            : _generatedId ??= Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        return string.Create(CultureInfo.InvariantCulture, $"{Host}/{id}/audit/{region}");
    }

    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (string.IsNullOrEmpty(Host) || Host.Any(c => char.IsWhiteSpace(c) || char.IsControl(c) || c is '+' or '/'))
        {
            problems.Add("Audit:Host must be a host name (no white space, '+' or '/')");
        }
        if (InstallationId is { Length: > 0 } id && id.Any(c => char.IsWhiteSpace(c) || char.IsControl(c) || c is '+' or '/'))
        {
            problems.Add("Audit:InstallationId must contain no white space, '+' or '/'");
        }
        if (SequencerIntervalMilliseconds is < 10 or > 1000)
        {
            problems.Add("Audit:SequencerIntervalMilliseconds must be 10-1000 (checkpoints at least once a second)");
        }
        if (BatchSize is < 1 or > 1_000_000)
        {
            problems.Add("Audit:BatchSize must be 1-1000000");
        }
        return problems;
    }
}
