using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Sigill.Api.Platform.Cells;
using Sigill.Api.Platform.Persistence;
using Sigill.Crypto;
using Sigill.Transparency;

namespace Sigill.Api.Features.Audit;

/// <summary>Who caused an event: an identifier (token id, <c>setup</c>, <c>system</c>) and the client IP when there was a request.</summary>
public sealed record AuditActor(string Id, string? Ip)
{
    public static readonly AuditActor System = new("system", null);

    /// <summary>
    /// The caller of a request. The client address comes from <c>X-Forwarded-For</c>, which only the web
    /// tier can set (the API tier answers nothing without the service credential, and YARP replaces
    /// whatever a client sent); a direct caller's socket address is used otherwise.
    /// </summary>
    public static AuditActor From(HttpContext http, string id)
    {
        ArgumentNullException.ThrowIfNull(http);
        var forwarded = http.Request.Headers["X-Forwarded-For"].ToString();
        var ip = forwarded.Length > 0
            ? forwarded.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault()
            : http.Connection.RemoteIpAddress?.ToString();
        return new AuditActor(id, ip is { Length: > 0 and <= 64 } ? ip : null);
    }
}

/// <summary>What a feature records. <paramref name="OrganizationId"/> null means a cell-level event.</summary>
public sealed record AuditEventData(
    string Action, string? OrganizationId, AuditActor Actor, string? Target, IReadOnlyDictionary<string, string>? Details = null);

/// <summary>
/// Adds audit events to the caller's DbContext so they commit or roll back with the change they
/// record: call <see cref="RecordAsync"/> before the caller's SaveChangesAsync. The event gets no
/// leaf index here (concurrent transactions commit out of order); <see cref="AuditSequencer"/> assigns it.
/// </summary>
public static class AuditRecorder
{
    public const string EventPurpose = "audit.event";
    private static readonly ConditionalWeakTable<Cell, Task> CellKeys = [];

    /// <summary>The pseudo-organization whose keys protect cell-level events and the log key: <c>cell_&lt;region&gt;</c>.</summary>
    public static string CellOrganization(string region) => "cell_" + region;

    public static async Task<AuditEvent> RecordAsync(CellDbContext db, Cell cell, AuditEventData data, DateTime occurredAt, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(cell);
        ArgumentNullException.ThrowIfNull(data);
        var id = NewEventId(cell.Region);
        // Microseconds: both providers store them exactly, so the plain column equals the sealed time.
        var time = new DateTime(occurredAt.ToUniversalTime().Ticks / 10 * 10, DateTimeKind.Utc);
        var canonical = AuditEventJson.Canonical(id, cell.Region, data, time);
        var salt = LeafCommitment.NewSalt();
        var plaintext = new byte[salt.Length + canonical.Length];
        salt.CopyTo(plaintext, 0);
        canonical.CopyTo(plaintext, salt.Length);
        var owner = data.OrganizationId ?? await EnsureCellKeysAsync(cell, ct);
        // Sealing an event is the system writing its own log, whoever caused the event (an operator asking for access,
        // a person switching organization): it may always encrypt under the event's owner.
        using var sealing = KeyAccess.Include(owner);
        var sealedBytes = await cell.Keys.SealRecordAsync(SealContext(cell.Region, owner, id), plaintext, ct);
        var row = new AuditEvent
        {
            Id = id,
            OrganizationId = data.OrganizationId,
            Action = data.Action,
            OccurredAt = time,
            Sealed = sealedBytes,
            Commitment = LeafCommitment.Compute(salt, canonical),
        };
        db.Set<AuditEvent>().Add(row);
        return row;
    }

    /// <summary>What an event's sealed record is bound to: its region, owner (organization or cell), id and purpose.</summary>
    internal static ObjectContext SealContext(string region, string owner, string eventId) => new(region, owner, eventId, 1, EventPurpose);

    private static long s_lastTicks;

    /// <summary>
    /// <c>aev_&lt;region&gt;_</c> + base32 of (8-byte big-endian time counter || 8 random bytes). The counter is
    /// the UTC time in ticks, strictly increasing within the process, so ids sort in the order they were
    /// made. The sequencer orders waiting events by (time, id): events one transaction records at the same
    /// time take their leaves in the order they were recorded, whatever order the database returns rows in.
    /// </summary>
    internal static string NewEventId(string region)
    {
        long now = DateTime.UtcNow.Ticks, last, next;
        do
        {
            last = Volatile.Read(ref s_lastTicks);
            next = Math.Max(now, last + 1);
        }
        while (Interlocked.CompareExchange(ref s_lastTicks, next, last) != last);
        Span<byte> bytes = stackalloc byte[16];
        System.Buffers.Binary.BinaryPrimitives.WriteInt64BigEndian(bytes, next);
        System.Security.Cryptography.RandomNumberGenerator.Fill(bytes[8..]);
        return $"aev_{region}_{SigillId.Base32(bytes)}";
    }

    /// <summary>Creates the cell pseudo-organization's keys once per process and cell; returns its id.</summary>
    internal static async Task<string> EnsureCellKeysAsync(Cell cell, CancellationToken ct)
    {
        var owner = CellOrganization(cell.Region);
        var task = CellKeys.GetValue(cell, c => c.Keys.CreateOrganizationKeysAsync(owner, CancellationToken.None));
        try
        {
            await task.WaitAsync(ct);
        }
        catch (Exception) when (!ct.IsCancellationRequested)
        {
            CellKeys.Remove(cell); // let the next call retry
            throw;
        }
        return owner;
    }
}

/// <summary>
/// The canonical event bytes: compact UTF-8 JSON, members in this order, details sorted by key
/// (ordinal), times as <c>yyyy-MM-ddTHH:mm:ss.ffffffZ</c>. The stored bytes are authoritative (their
/// hash is committed); this format only has to be stable for new events.
/// <code>{"v":1,"id":…,"region":…,"organization":…|null,"action":…,"actor":…,"ip":…|null,"target":…|null,"time":…,"details":{…}}</code>
/// </summary>
public static class AuditEventJson
{
    public const string TimeFormat = "yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'";

    public static byte[] Canonical(string id, string region, AuditEventData data, DateTime time)
    {
        ArgumentNullException.ThrowIfNull(data);
        using var buffer = new MemoryStream(256);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteNumber("v", 1);
            json.WriteString("id", id);
            json.WriteString("region", region);
            json.WriteString("organization", data.OrganizationId);
            json.WriteString("action", data.Action);
            json.WriteString("actor", data.Actor.Id);
            json.WriteString("ip", data.Actor.Ip);
            json.WriteString("target", data.Target);
            json.WriteString("time", time.ToString(TimeFormat, CultureInfo.InvariantCulture));
            json.WriteStartObject("details");
            foreach (var (key, value) in (data.Details ?? new Dictionary<string, string>()).OrderBy(d => d.Key, StringComparer.Ordinal))
            {
                json.WriteString(key, value);
            }
            json.WriteEndObject();
            json.WriteEndObject();
        }
        return buffer.ToArray();
    }
}
