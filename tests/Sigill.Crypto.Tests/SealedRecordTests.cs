using System.Buffers.Binary;
using System.Text;

namespace Sigill.Crypto.Tests;

/// <summary>Sealed records (audit events): round trip, binding to their context, tampering, rotation, shredding and the usage bound.</summary>
public sealed class SealedRecordTests : IDisposable
{
    private readonly TestCell _cell = new();
    private readonly ObjectContext _context = TestCell.Context(objectId: "aev_eu_1", purpose: "audit.event");
    private readonly byte[] _plaintext = Encoding.UTF8.GetBytes("""{"v":1,"id":"aev_eu_1","actor":"Åsa Öberg","ip":"203.0.113.7"}""");

    public SealedRecordTests()
    {
        _cell.Manager.CreateOrganizationKeysAsync("org-a").GetAwaiter().GetResult();
        _cell.Manager.CreateOrganizationKeysAsync("org-b").GetAwaiter().GetResult();
    }

    public void Dispose() => _cell.Dispose();

    private async Task<CryptoIntegrityException> OpenFails(byte[] record, ObjectContext? context = null)
    {
        var manager = _cell.Manager;
        return await Assert.ThrowsAsync<CryptoIntegrityException>(async () => await manager.OpenRecordAsync(context ?? _context, record));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(300)]
    [InlineData(70_000)]
    public async Task A_record_round_trips_with_a_fixed_overhead_and_no_plaintext_in_it(int length)
    {
        var plaintext = Bytes.Random(length, length);
        var record = await _cell.Manager.SealRecordAsync(_context, plaintext);
        Assert.Equal(length + 53, record.Length);
        Assert.Equal("SGLR"u8.ToArray(), record[..4]);
        Assert.Equal(plaintext, await _cell.Manager.OpenRecordAsync(_context, record));

        // A second process (cold caches) opens it too.
        Assert.Equal(plaintext, await _cell.NewManager(_cell.Store).OpenRecordAsync(_context, record));
    }

    [Fact]
    public async Task Sealing_the_same_value_twice_gives_unrelated_records()
    {
        var a = await _cell.Manager.SealRecordAsync(_context, _plaintext);
        var b = await _cell.Manager.SealRecordAsync(_context, _plaintext);
        Assert.NotEqual(a[25..37], b[25..37]); // nonces
        Assert.NotEqual(a[37..], b[37..]);
        Assert.Equal(-1, a.AsSpan().IndexOf("Åsa"u8));
        Assert.Equal(-1, a.AsSpan().IndexOf("203.0.113.7"u8));
    }

    [Theory]
    [InlineData("org-b", "aev_eu_1", 1, "audit.event", CryptoFailureReason.WrongKey)]
    [InlineData("org-a", "aev_eu_1", 1, "document.title", CryptoFailureReason.WrongKey)]
    [InlineData("org-a", "aev_eu_2", 1, "audit.event", CryptoFailureReason.Tampered)]
    [InlineData("org-a", "aev_eu_1", 2, "audit.event", CryptoFailureReason.Tampered)]
    public async Task A_record_moved_to_another_organization_purpose_or_row_does_not_open(string org, string objectId, int version, string purpose, CryptoFailureReason reason)
    {
        var record = await _cell.Manager.SealRecordAsync(_context, _plaintext);
        var ex = await OpenFails(record, new ObjectContext(TestCell.Region, org, objectId, version, purpose));
        Assert.Equal(reason, ex.Reason);
        Assert.Contains(_cell.Logger.Entries, e => e.Id.Id == 3001);
    }

    [Fact]
    public async Task A_record_of_another_region_is_refused_before_any_key_is_used()
    {
        var record = await _cell.Manager.SealRecordAsync(_context, _plaintext);
        var ex = await OpenFails(record, _context with { Region = "us" });
        Assert.Equal(CryptoFailureReason.WrongContext, ex.Reason);
    }

    [Fact]
    public async Task Flipping_any_bit_of_a_record_is_detected_with_the_reason_of_the_part_it_hit()
    {
        var record = await _cell.Manager.SealRecordAsync(_context, _plaintext);
        for (var i = 0; i < record.Length; i++)
        {
            foreach (var bit in new[] { 0x01, 0x80 })
            {
                var tampered = (byte[])record.Clone();
                tampered[i] ^= (byte)bit;
                var ex = await OpenFails(tampered);
                var expected = i switch
                {
                    < 5 => CryptoFailureReason.UnsupportedFormat, // magic and format byte
                    < 9 => CryptoFailureReason.UnknownVersion, // key version
                    < 25 => CryptoFailureReason.WrongKey, // key commitment
                    _ => CryptoFailureReason.Tampered, // nonce, ciphertext, tag
                };
                Assert.True(expected == ex.Reason, $"byte {i} bit {bit}: {ex.Reason}, expected {expected}");
            }
        }
    }

    [Fact]
    public async Task Truncated_extended_and_foreign_bytes_are_refused()
    {
        var record = await _cell.Manager.SealRecordAsync(_context, _plaintext);
        for (var length = 0; length < record.Length; length += 7)
        {
            Assert.True(Enum.IsDefined((await OpenFails(record[..length])).Reason));
        }

        Assert.Equal(CryptoFailureReason.Truncated, (await OpenFails(record[..52])).Reason);
        Assert.Equal(CryptoFailureReason.Tampered, (await OpenFails([.. record, 0])).Reason);
        Assert.Equal(CryptoFailureReason.UnsupportedFormat, (await OpenFails(_plaintext)).Reason);
        var anObject = await _cell.EncryptAsync(_context, _plaintext);
        Assert.Equal(CryptoFailureReason.UnsupportedFormat, (await OpenFails(anObject)).Reason);
    }

    [Fact]
    public async Task Records_name_their_key_version_and_stay_readable_after_rotation()
    {
        var old = await _cell.Manager.SealRecordAsync(_context, _plaintext);
        await _cell.Manager.RotateOrganizationAsync("org-a");
        var @new = await _cell.Manager.SealRecordAsync(_context, _plaintext);
        Assert.Equal(1u, BinaryPrimitives.ReadUInt32BigEndian(old.AsSpan(5)));
        Assert.Equal(2u, BinaryPrimitives.ReadUInt32BigEndian(@new.AsSpan(5)));
        Assert.NotEqual(old[9..25], @new[9..25]); // another key, another commitment
        Assert.Equal(_plaintext, await _cell.Manager.OpenRecordAsync(_context, old));
        Assert.Equal(_plaintext, await _cell.Manager.OpenRecordAsync(_context, @new));
    }

    [Fact]
    public async Task A_shredded_organizations_records_report_the_destroyed_key_even_with_a_warm_cache()
    {
        var record = await _cell.Manager.SealRecordAsync(_context, _plaintext);
        var other = await _cell.Manager.SealRecordAsync(_context with { OrganizationId = "org-b" }, _plaintext);
        Assert.Equal(_plaintext, await _cell.Manager.OpenRecordAsync(_context, record)); // record key cached
        await _cell.Manager.ScheduleShredAsync("org-a");
        _cell.Time.Advance(TimeSpan.FromDays(7));
        Assert.Equal(["org-a"], await _cell.Manager.ExecuteDueShredsAsync());

        Assert.Equal(CryptoFailureReason.KeyDestroyed, (await OpenFails(record)).Reason);
        Assert.Equal(CryptoFailureReason.KeyDestroyed, (await OpenFails(record)).Reason);
        var sealing = await Assert.ThrowsAsync<CryptoIntegrityException>(async () => await _cell.Manager.SealRecordAsync(_context, _plaintext));
        Assert.Equal(CryptoFailureReason.KeyDestroyed, sealing.Reason);
        Assert.Equal(_plaintext, await _cell.Manager.OpenRecordAsync(_context with { OrganizationId = "org-b" }, other));
    }

    [Fact]
    public async Task Every_record_counts_against_the_key_versions_usage_bound()
    {
        using var cell = new TestCell(new CellKeyManagerOptions { ChunkSizeExponent = 12, MaxUsesPerKeyVersion = 3, UsageReservationBlock = 2 });
        await cell.Manager.CreateOrganizationKeysAsync("org-a");
        var written = new List<byte[]>();
        for (var i = 0; i < 3; i++)
        {
            written.Add(await cell.Manager.SealRecordAsync(_context, _plaintext));
        }

        var ex = await Assert.ThrowsAsync<CryptoIntegrityException>(async () => await cell.Manager.SealRecordAsync(_context, _plaintext));
        Assert.Equal(CryptoFailureReason.UsageLimitExceeded, ex.Reason);
        Assert.Equal(_plaintext, await cell.Manager.OpenRecordAsync(_context, written[2]));
        await cell.Manager.RotateOrganizationAsync("org-a");
        Assert.Equal(2u, BinaryPrimitives.ReadUInt32BigEndian((await cell.Manager.SealRecordAsync(_context, _plaintext)).AsSpan(5)));
    }

    [Fact]
    public async Task Records_sealed_and_opened_on_many_threads_at_once_all_round_trip()
    {
        var contexts = Enumerable.Range(0, 2000).Select(i => _context with { ObjectId = $"aev_eu_{i}", OrganizationId = i % 3 == 0 ? "org-b" : "org-a" }).ToArray();
        var records = new byte[contexts.Length][];
        await Parallel.ForAsync(0, contexts.Length, async (i, ct) => records[i] = await _cell.Manager.SealRecordAsync(contexts[i], Encoding.UTF8.GetBytes($"event {i}"), ct));
        var opened = new string[contexts.Length];
        await Parallel.ForAsync(0, contexts.Length, async (i, ct) => opened[i] = Encoding.UTF8.GetString(await _cell.Manager.OpenRecordAsync(contexts[i], records[i], ct)));
        Assert.Equal(Enumerable.Range(0, contexts.Length).Select(i => $"event {i}"), opened);
    }
}
