using Microsoft.Extensions.DependencyInjection;
using Sigill.Api.Features.Audit;
using Sigill.Api.Features.Backups;
using Sigill.Api.Features.SubProcessors;
using Sigill.Api.Platform.Cells;
using Sigill.Contracts;
using Sigill.Http;

namespace Sigill.Api.Features.TrustCenter;

/// <summary>
/// Builds the public trust center from the live installation: per served region, the key provider and root key
/// version, the audit log's origin, verifier key and latest checkpoint, the last backup and restore drill, and the
/// sub-processor register; plus the operator's hosting declaration and security contact. Nothing in it is customer
/// data or a secret (a verifier key is public by design).
/// The result is computed at most once per <see cref="TrustOptions.CacheFor"/>: concurrent requests share one
/// computation, so a flood of anonymous requests to <c>/trust</c> costs the cells one read per interval.
/// </summary>
public sealed class TrustCenter(CellRegistry cells, AuditLogs logs, SubProcessorRegister register, TrustOptions options, BackupOptions backups, TimeProvider time)
{
    /// <summary>The algorithms Sigill uses, as fixed by its code (docs/formats).</summary>
    public static readonly IReadOnlyList<string> Encryption =
    [
        "AES-256-GCM for every stored object and personal-data field, in chunks, key-committing, with a fresh data key per object",
        "Envelope keys: a root key per region in its key provider, a versioned key per organization, wrapped under the root",
        "HMAC-SHA-256 blind indexes keyed per organization for look-ups of encrypted values",
        "Ed25519 signed checkpoints (C2SP signed note) over an RFC 6962 Merkle tree for the audit log",
        "Argon2id for passwords; TLS for every connection that leaves the host",
    ];

    private readonly Lock _gate = new();
    private (DateTimeOffset At, Task<TrustView> View)? _cached;
    private int _computations;

    /// <summary>How many times the view was computed since start (tests: many requests, one computation).</summary>
    internal int Computations => Volatile.Read(ref _computations);

    public Task<TrustView> GetAsync()
    {
        var now = time.GetUtcNow();
        lock (_gate)
        {
            if (_cached is { } c && now - c.At < options.CacheFor && !c.View.IsFaulted)
            {
                return c.View;
            }
            var view = ComputeAsync(now);
            _cached = (now, view);
            return view;
        }
    }

    private async Task<TrustView> ComputeAsync(DateTimeOffset now)
    {
        Interlocked.Increment(ref _computations);
        await Task.Yield(); // the lock is released before any cell is read
        var regions = new List<TrustRegionView>();
        foreach (var cell in cells.All.OrderBy(c => c.Region, StringComparer.Ordinal))
        {
            regions.Add(await RegionAsync(cell, CancellationToken.None));
        }
        var security = new TrustSecurityContactView(options.Contacts, now.AddDays(options.ExpiresDays), options.PreferredLanguages.Replace(" ", "", StringComparison.Ordinal), options.Policy,
            options.PublicUrl is null ? null : options.PublicUrl.TrimEnd('/') + "/.well-known/security.txt");
        return new TrustView(now, Encryption, regions, new TrustHostingView(options.Hosting.Provider, options.Hosting.Certifications, options.Hosting.Notes), security,
            options.Dpa.Version is { } dpa ? new DpaView(dpa, options.Dpa.Url, options.Dpa.Text) : null);
    }

    private async Task<TrustRegionView> RegionAsync(Cell cell, CancellationToken ct)
    {
        var region = cell.Region;
        var provider = cell.Options.Keys.Provider == Sigill.Crypto.KeyProviderKind.Pkcs11 ? "hsm" : "file";
        var rootVersion = await cell.Keys.CurrentRootKeyVersionAsync(ct);
        TrustAuditLogView audit = logs.TryGet(region, out var log)
            ? new(log.Key?.Origin, log.Key?.VerifierKey, log.Latest?.Size, $"{AuditEndpoints.BasePath}/{region}/checkpoint", $"{AuditEndpoints.BasePath}/{region}/verifier-key")
            : new(null, null, null, $"{AuditEndpoints.BasePath}/{region}/checkpoint", $"{AuditEndpoints.BasePath}/{region}/verifier-key");
        SubProcessorRegisterView subProcessors;
        await using (var db = cell.CreateDbContext())
        {
            subProcessors = await register.ViewAsync(db, region, null, ct);
        }
        options.Hosting.DataCentres.TryGetValue(region, out var dataCentre);
        return new TrustRegionView(region, provider, rootVersion, audit, Backups(cell), dataCentre, subProcessors);
    }

    /// <summary>
    /// The newest archive of the region in <c>Backups:Directory</c> (by the time in its name) and the last drill recorded
    /// in <c>drills.jsonl</c> — beside the archives, or in the cell's folder of an embedded installation.
    /// </summary>
    private TrustBackupView Backups(Cell cell)
    {
        var drillFiles = new List<string>();
        if (!string.IsNullOrEmpty(backups.Directory))
        {
            drillFiles.Add(Path.Combine(backups.Directory, "drills.jsonl"));
        }
        if (cell.Options.Keys.KeyringDirectory is { Length: > 0 } keyring && Path.GetDirectoryName(Path.GetFullPath(keyring)) is { } cellFolder)
        {
            drillFiles.Add(Path.Combine(cellFolder, "drills.jsonl"));
        }
        var drills = BackupDrill.ReadAll(drillFiles).Where(d => d.Region == cell.Region).OrderBy(d => d.At).ToList();
        var last = drills.LastOrDefault();
        var lastGood = drills.LastOrDefault(d => d.Ok);
        return new TrustBackupView(BackupDrill.LatestAt(backups.Directory, cell.Region), last?.At, last?.Ok, lastGood?.RecoverySeconds, lastGood?.At);
    }
}

public static class TrustCenterFeature
{
    public static IServiceCollection AddTrustCenter(this IServiceCollection services)
    {
        services.AddSigillOptions<TrustOptions>("Trust");
        services.AddSingleton<TrustCenter>();
        return services;
    }

    /// <summary><c>GET /api/v1/trust</c>: anonymous, cached (see <see cref="TrustCenter"/>).</summary>
    public static IEndpointRouteBuilder MapTrustCenter(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/trust", async (TrustCenter trust, HttpContext http) =>
        {
            var view = await trust.GetAsync();
            http.Response.Headers.CacheControl = "public, max-age=60";
            return TypedResults.Ok(view);
        }).WithTags("Trust center").AllowAnonymous();
        return app;
    }
}
