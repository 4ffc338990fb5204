namespace Sigill.Api.Platform.Cells;

/// <summary>
/// One region cell: its own database, blob store and key material. Bound from configuration
/// section <c>Cells:{region}</c>; no cell option is shared with another cell.
/// </summary>
public sealed class CellOptions
{
    public DatabaseOptions Database { get; set; } = new();
    public BlobStoreOptions Blobs { get; set; } = new();

    /// <summary>The cell's key provider: a file keyring (default) or a PKCS#11 HSM. Its <c>Environment</c> is set from the tier's.</summary>
    public Sigill.Crypto.KeyProviderOptions Keys { get; set; } = new();

    /// <summary>Where the cell's own log files go (records that carry its identifiers); see <see cref="Telemetry.CellLogs"/>.</summary>
    public Platform.Telemetry.CellLogOptions Logs { get; set; } = new();

    /// <summary>
    /// Where the cell's erasure journal lives (ADR 0016): outside the database and blob backups. Empty: the file keyring's
    /// directory (the embedded default); a cell on an HSM must name one.
    /// </summary>
    public string ErasureJournalDirectory { get; set; } = "";
}

public sealed class DatabaseOptions
{
    /// <summary><c>sqlite</c> (embedded default) or <c>postgres</c> (production).</summary>
    public string Provider { get; set; } = "sqlite";
    public string ConnectionString { get; set; } = "";
}

public sealed class BlobStoreOptions
{
    /// <summary><c>filesystem</c> (embedded default) or <c>s3</c> (production).</summary>
    public string Provider { get; set; } = "filesystem";
    public string Path { get; set; } = "";
    public string ServiceUrl { get; set; } = "";
    public string Bucket { get; set; } = "";
    public string AccessKey { get; set; } = "";
    public string SecretKey { get; set; } = "";
    /// <summary>Signing region for S3 (AWS region name); unrelated to Sigill's region.</summary>
    public string SigningRegion { get; set; } = "us-east-1";

    /// <summary>
    /// How long one attempt of an S3 call may take before it counts as unanswered (the SDK tries up to three times);
    /// then the request gets <c>503 store_unavailable</c>. An S3 that is slow but answers within it only makes requests slow.
    /// </summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);
}
