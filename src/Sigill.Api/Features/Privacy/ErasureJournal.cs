using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Sigill.Api.Features.Audit;
using Sigill.Api.Platform.Cells;

namespace Sigill.Api.Features.Privacy;

/// <summary>
/// One erasure: ids only (organization, documents, the person's e-mail blind index), never a name or an address. The
/// optional members came later (account deletion and the rest of a person, ADR 0016); a line written before them reads
/// with them null, and a new line leaves out the ones it does not use, so the chain's bytes stay what they were.
/// </summary>
public sealed record ErasureEntry(string Id, DateTime Time, string Organization, IReadOnlyList<string> Documents, string? Subject)
{
    /// <summary>A user whose membership of <see cref="Organization"/> is removed (their account stays unless <see cref="Account"/> names it).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Member { get; init; }

    /// <summary>A user whose account is deleted: the row, sessions, tokens, sign-in challenges, resets, and the account's own key.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Account { get; init; }

    /// <summary>Audit events of <see cref="Organization"/> that name the person outside their documents: their content is replaced by the marker.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<string>? Events { get; init; }

    /// <summary>Invitations to the person's address (deleted: each holds the address, encrypted).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<string>? Invitations { get; init; }

    /// <summary>Queued e-mails to the person (<c>mail.send</c> jobs, each a sealed copy of the message): deleted.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<string>? Mails { get; init; }
}

/// <summary>
/// The cell's erasure journal (ADR 0016), kept outside the database and blob backups: <c>erasures.jsonl</c> in the cell's
/// <c>ErasureJournalDirectory</c>, by default its keyring directory (<c>DATA/&lt;region&gt;/keys</c>), which backups never
/// contain. One line per erasure:
/// <code>&lt;mac&gt; &lt;entry JSON&gt;\n</code>
/// where mac is the keyed HMAC (the cell pseudo-organization's blind-index key, purpose <c>privacy.erasure-journal</c>) of
/// the previous line's mac, a line feed and this entry's JSON ("" before the first line). A removed, reordered or edited
/// line breaks the chain and the journal is refused. A last line without its line feed was never acknowledged (a write
/// cut short): it is ignored on read and cut off before the next append.
/// </summary>
public static class ErasureJournal
{
    private const string MacPurpose = "privacy.erasure-journal";
    private static readonly ConcurrentDictionary<string, SemaphoreSlim> Locks = new(StringComparer.Ordinal);
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static string PathOf(Cell cell) => TryPathOf(cell) ?? throw new InvalidOperationException(
        $"cell {cell.Region} has no ErasureJournalDirectory (and no keyring directory to keep the journal in)");

    /// <summary>Whether the cell can journal erasures (a journal or keyring directory is set).</summary>
    public static bool IsConfigured(Cell cell) => TryPathOf(cell) is not null;

    /// <summary>The journal's path; null for a cell with neither a journal nor a keyring directory (an HSM cell not set up for erasure).</summary>
    private static string? TryPathOf(Cell cell)
    {
        ArgumentNullException.ThrowIfNull(cell);
        var directory = cell.Options.ErasureJournalDirectory is { Length: > 0 } configured ? configured : cell.Options.Keys.KeyringDirectory;
        return string.IsNullOrEmpty(directory) ? null : Path.Combine(directory, "erasures.jsonl");
    }

    /// <summary>Appends <paramref name="entry"/> durably (flushed to disk) before anything is deleted.</summary>
    public static async Task AppendAsync(Cell cell, ErasureEntry entry, CancellationToken ct)
    {
        var path = PathOf(cell);
        var gate = Locks.GetOrAdd(path, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(ct);
        try
        {
            var (_, previous, complete) = await ReadChainAsync(cell, path, ct);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            var body = JsonSerializer.Serialize(entry, Json);
            var mac = await MacAsync(cell, await AuditRecorder.EnsureCellKeysAsync(cell, ct), previous, body, ct);
            await using var file = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read);
            file.SetLength(complete); // drop a torn last line
            file.Position = complete;
            await file.WriteAsync(Encoding.UTF8.GetBytes($"{mac} {body}\n"), ct);
            file.Flush(flushToDisk: true);
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>Every acknowledged entry in order; throws <see cref="InvalidDataException"/> when the chain is broken.</summary>
    /// A cell without a journal directory has erased nothing (erasure refuses there), so it reads none.
    public static async Task<IReadOnlyList<ErasureEntry>> ReadAsync(Cell cell, CancellationToken ct) =>
        TryPathOf(cell) is { } path ? (await ReadChainAsync(cell, path, ct)).Entries : [];

    private static async Task<(List<ErasureEntry> Entries, string Previous, long Complete)> ReadChainAsync(Cell cell, string path, CancellationToken ct)
    {
        var entries = new List<ErasureEntry>();
        if (!File.Exists(path)) return (entries, "", 0);
        var bytes = await File.ReadAllBytesAsync(path, ct);
        var complete = Array.LastIndexOf(bytes, (byte)'\n') + 1;
        var previous = "";
        var number = 0;
        var owner = await AuditRecorder.EnsureCellKeysAsync(cell, ct); // once per read, not once per line
        foreach (var line in Encoding.UTF8.GetString(bytes, 0, complete).Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            number++;
            var space = line.IndexOf(' ', StringComparison.Ordinal);
            var body = space < 0 ? "" : line[(space + 1)..];
            if (space < 0 || line[..space] != await MacAsync(cell, owner, previous, body, ct))
            {
                throw new InvalidDataException($"the erasure journal of {cell.Region} is broken at line {number} (removed, reordered or edited)");
            }
            entries.Add(JsonSerializer.Deserialize<ErasureEntry>(body, Json)
                ?? throw new InvalidDataException($"the erasure journal of {cell.Region} has an empty entry at line {number}"));
            previous = line[..space];
        }
        return (entries, previous, complete);
    }

    private static async Task<string> MacAsync(Cell cell, string owner, string previous, string body, CancellationToken ct)
    {
        using var access = Sigill.Crypto.KeyAccess.Include(owner); // the journal is the cell's own record, whoever asked for the erasure
        return await cell.Keys.BlindIndexAsync(owner, MacPurpose, previous + "\n" + body, ct);
    }
}
