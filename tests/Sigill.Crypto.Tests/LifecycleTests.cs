using Microsoft.Extensions.Logging;

namespace Sigill.Crypto.Tests;

/// <summary>Rotation, re-encryption, crypto-shredding and the usage bound.</summary>
public sealed class LifecycleTests : IDisposable
{
    private readonly TestCell _cell = new();
    private readonly byte[] _plaintext = Bytes.Random(10_000, 11);

    public LifecycleTests()
    {
        _cell.Manager.CreateOrganizationKeysAsync("org-a").GetAwaiter().GetResult();
        _cell.Manager.CreateOrganizationKeysAsync("org-b").GetAwaiter().GetResult();
    }

    public void Dispose() => _cell.Dispose();

    [Fact]
    public async Task Rotating_the_root_rewraps_organization_keys_only_and_objects_stay_readable()
    {
        var ciphertext = await _cell.EncryptAsync(TestCell.Context(), _plaintext);
        var field = await _cell.Manager.EncryptFieldAsync("org-a", "recipient.email", "ada@example.com");
        var before = (await _cell.Store.GetKeysAsync("org-a")).ToDictionary(k => (k.Kind, k.Version));
        var progress = new List<RootRotationProgress>();

        var result = await _cell.Manager.RotateRootAsync(new SyncProgress<RootRotationProgress>(progress.Add));

        Assert.Equal("test/eu/root/v2", result.RootKeyId);
        Assert.Equal(2, result.Organizations);
        Assert.Equal(4, result.KeysRewrapped);
        Assert.NotEmpty(progress);
        foreach (var after in await _cell.Store.GetKeysAsync("org-a"))
        {
            var old = before[(after.Kind, after.Version)];
            Assert.Equal("test/eu/root/v1", old.RootKeyId);
            Assert.Equal("test/eu/root/v2", after.RootKeyId);
            Assert.NotEqual(old.WrappedKey.ToArray(), after.WrappedKey.ToArray());
        }

        var fresh = _cell.NewManager(_cell.Store);
        Assert.Equal(_plaintext, await fresh.DecryptBytesAsync(TestCell.Context(), ciphertext));
        Assert.Equal("ada@example.com", await fresh.DecryptFieldAsync("org-a", "recipient.email", field));
        Assert.Equal(0, (await fresh.RewrapToCurrentRootAsync()).KeysRewrapped);
    }

    [Fact]
    public async Task Rotating_an_organization_key_makes_new_objects_use_the_new_version_while_old_ones_stay_readable()
    {
        var old = await _cell.EncryptAsync(TestCell.Context(objectId: "old"), _plaintext);
        Assert.Equal(2, await _cell.Manager.RotateOrganizationAsync("org-a"));
        var @new = await _cell.EncryptAsync(TestCell.Context(objectId: "new"), _plaintext);

        Assert.Equal(1, CellKeyManager.ReadObjectKeyVersion(old));
        Assert.Equal(2, CellKeyManager.ReadObjectKeyVersion(@new));
        Assert.Equal(_plaintext, await _cell.Manager.DecryptBytesAsync(TestCell.Context(objectId: "old"), old));
        Assert.Equal(_plaintext, await _cell.Manager.DecryptBytesAsync(TestCell.Context(objectId: "new"), @new));
        Assert.Equal(1, CellKeyManager.ReadObjectKeyVersion(await _cell.EncryptAsync(TestCell.Context("org-b"), _plaintext)));
    }

    [Fact]
    public async Task Re_encryption_moves_an_old_object_to_the_current_version_with_a_new_data_key()
    {
        var context = TestCell.Context();
        var old = await _cell.EncryptAsync(context, _plaintext);
        await _cell.Manager.RotateOrganizationAsync("org-a");

        using var moved = new MemoryStream();
        var result = await _cell.Manager.ReencryptAsync(context, new MemoryStream(old), moved);

        Assert.Equal((1, 2, (long)_plaintext.Length), (result.FromVersion, result.ToVersion, result.PlaintextLength));
        Assert.Equal(2, CellKeyManager.ReadObjectKeyVersion(moved.ToArray()));
        Assert.NotEqual(old.AsSpan(ObjectHeader.Length, 32).ToArray(), moved.ToArray().AsSpan(ObjectHeader.Length, 32).ToArray());
        Assert.Equal(_plaintext, await _cell.Manager.DecryptBytesAsync(context, moved.ToArray()));
    }

    [Fact]
    public async Task Rewrapping_a_header_moves_an_object_to_the_current_version_without_touching_its_chunks()
    {
        var context = TestCell.Context();
        var old = await _cell.EncryptAsync(context, _plaintext);
        await _cell.Manager.RotateOrganizationAsync("org-a");

        using var file = new MemoryStream();
        file.Write(old);
        Assert.True(await _cell.Manager.RewrapInPlaceAsync(context, file));
        Assert.False(await _cell.Manager.RewrapInPlaceAsync(context, file));

        var rewrapped = file.ToArray();
        Assert.Equal(2, CellKeyManager.ReadObjectKeyVersion(rewrapped));
        Assert.Equal(old.AsSpan(ObjectHeader.Length).ToArray(), rewrapped.AsSpan(ObjectHeader.Length).ToArray());
        Assert.Equal(_plaintext, await _cell.Manager.DecryptBytesAsync(context, rewrapped));
    }

    [Fact]
    public async Task Shredding_after_the_delay_makes_objects_unreadable_even_from_a_restored_backup()
    {
        var context = TestCell.Context();
        var ciphertext = await _cell.EncryptAsync(context, _plaintext);
        var field = await _cell.Manager.EncryptFieldAsync("org-a", "recipient.name", "Ada Lovelace");
        var orgB = await _cell.EncryptAsync(TestCell.Context("org-b"), _plaintext);
        var backup = _cell.Store.Clone();

        var shred = await _cell.Manager.ScheduleShredAsync("org-a");
        Assert.Equal(_cell.Time.GetUtcNow() + TimeSpan.FromDays(7), shred.DueAt);
        _cell.Time.Advance(TimeSpan.FromDays(6));
        Assert.Empty(await _cell.Manager.ExecuteDueShredsAsync());
        Assert.Equal(_plaintext, await _cell.Manager.DecryptBytesAsync(context, ciphertext));

        _cell.Time.Advance(TimeSpan.FromDays(1));
        Assert.Equal(["org-a"], await _cell.Manager.ExecuteDueShredsAsync());

        var live = await Assert.ThrowsAsync<CryptoIntegrityException>(() => _cell.Manager.DecryptBytesAsync(context, ciphertext));
        Assert.Equal(CryptoFailureReason.KeyDestroyed, live.Reason);
        Assert.Equal(CryptoFailureReason.KeyDestroyed,
            (await Assert.ThrowsAsync<CryptoIntegrityException>(() => _cell.Manager.DecryptFieldAsync("org-a", "recipient.name", field))).Reason);

        // Restore the database from the backup taken before shredding: the wrapped org keys are back, the erasure key is not.
        var restored = _cell.NewManager(backup);
        var fromBackup = await Assert.ThrowsAsync<CryptoIntegrityException>(() => restored.DecryptBytesAsync(context, ciphertext));
        Assert.Equal(CryptoFailureReason.KeyDestroyed, fromBackup.Reason);
        Assert.Contains(_cell.Logger.Entries, e => e.Id.Id == 3002 && e.Level == LogLevel.Warning);

        // Other organizations are untouched.
        Assert.Equal(_plaintext, await restored.DecryptBytesAsync(TestCell.Context("org-b"), orgB));
        await Assert.ThrowsAsync<InvalidOperationException>(() => _cell.Manager.CreateOrganizationKeysAsync("org-a"));
        await Assert.ThrowsAsync<InvalidOperationException>(() => _cell.Manager.CancelShredAsync("org-a"));
    }

    [Fact]
    public async Task Cancelling_a_shred_within_the_window_keeps_the_data()
    {
        var context = TestCell.Context();
        var ciphertext = await _cell.EncryptAsync(context, _plaintext);
        await _cell.Manager.ScheduleShredAsync("org-a");
        _cell.Time.Advance(TimeSpan.FromDays(3));
        Assert.True(await _cell.Manager.CancelShredAsync("org-a"));
        _cell.Time.Advance(TimeSpan.FromDays(30));
        Assert.Empty(await _cell.Manager.ExecuteDueShredsAsync());
        Assert.Equal(_plaintext, await _cell.NewManager(_cell.Store).DecryptBytesAsync(context, ciphertext));
    }

    [Fact]
    public async Task The_shred_delay_is_configurable()
    {
        using var cell = new TestCell(new CellKeyManagerOptions { ChunkSizeExponent = 12, ShredDelay = TimeSpan.FromHours(1) });
        await cell.Manager.CreateOrganizationKeysAsync("org-a");
        var shred = await cell.Manager.ScheduleShredAsync("org-a");
        Assert.Equal(TimeSpan.FromHours(1), shred.DueAt - shred.RequestedAt);
        cell.Time.Advance(TimeSpan.FromHours(1));
        Assert.Equal(["org-a"], await cell.Manager.ExecuteDueShredsAsync());
    }

    [Fact]
    public async Task A_key_version_refuses_writes_past_its_usage_bound_until_rotated()
    {
        using var cell = new TestCell(new CellKeyManagerOptions { ChunkSizeExponent = 12, MaxUsesPerKeyVersion = 5, UsageReservationBlock = 2 });
        await cell.Manager.CreateOrganizationKeysAsync("org-a");
        var written = new List<byte[]>();
        for (var i = 0; i < 3; i++)
        {
            written.Add(await cell.EncryptAsync(TestCell.Context(objectId: $"doc-{i}"), [1]));
        }

        await cell.Manager.EncryptFieldAsync("org-a", "recipient.email", "a@example.com");
        await cell.Manager.EncryptFieldAsync("org-a", "recipient.email", "b@example.com");
        var ex = await Assert.ThrowsAsync<CryptoIntegrityException>(() => cell.EncryptAsync(TestCell.Context(objectId: "doc-9"), [1]));
        Assert.Equal(CryptoFailureReason.UsageLimitExceeded, ex.Reason);
        Assert.Contains(cell.Logger.Entries, e => e.Id.Id == 3003);

        // A restarted process does not get a fresh allowance: the count is persisted.
        var restarted = cell.NewManager(cell.Store);
        await Assert.ThrowsAsync<CryptoIntegrityException>(() => restarted.EncryptFieldAsync("org-a", "recipient.email", "c@example.com"));

        // Reading is never limited; rotating gives a fresh version.
        Assert.Equal([1], await cell.Manager.DecryptBytesAsync(TestCell.Context(objectId: "doc-0"), written[0]));
        await cell.Manager.RotateOrganizationAsync("org-a");
        Assert.Equal(2, CellKeyManager.ReadObjectKeyVersion(await cell.EncryptAsync(TestCell.Context(objectId: "doc-9"), [1])));
    }

    [Fact]
    public async Task Reserving_writes_ahead_lets_the_next_encryptions_run_without_asking_the_store()
    {
        using var cell = new TestCell(new CellKeyManagerOptions { ChunkSizeExponent = 12, MaxUsesPerKeyVersion = 1000, UsageReservationBlock = 2 });
        await cell.Manager.CreateOrganizationKeysAsync("org-a");
        await cell.Manager.ReserveWritesAsync("org-a", 10);
        var reserved = await cell.Store.GetUsageAsync("org-a", 1);
        Assert.True(reserved >= 10, $"{reserved} uses reserved");
        for (var i = 0; i < 10; i++)
        {
            await cell.Manager.EncryptFieldAsync("org-a", "recipient.email", $"p{i}@example.com");
        }
        Assert.Equal(reserved, await cell.Store.GetUsageAsync("org-a", 1)); // ten writes, no reservation among them (none inside a caller's transaction)

        await cell.Manager.ReserveWritesAsync("org-a", 5); // what is left is too little: a fresh block, the rest given up
        Assert.Equal(reserved + 5, await cell.Store.GetUsageAsync("org-a", 1));
        await cell.Manager.ReserveWritesAsync("org-a", 5); // enough left: nothing asked
        Assert.Equal(reserved + 5, await cell.Store.GetUsageAsync("org-a", 1));
    }

    [Fact]
    public async Task Status_lists_root_keys_versions_uses_and_pending_shreds()
    {
        await _cell.EncryptAsync(TestCell.Context(), _plaintext);
        await _cell.Manager.RotateOrganizationAsync("org-b");
        await _cell.Manager.ScheduleShredAsync("org-b");
        var status = await _cell.Manager.StatusAsync();
        Assert.Equal("test/eu/root/v1", status.CurrentRootKeyId);
        Assert.Equal("file-keyring", status.Provider);
        var orgA = Assert.Single(status.Organizations, o => o.OrganizationId == "org-a");
        Assert.Equal(1, orgA.CurrentVersion);
        Assert.True(orgA.Keys.Single(k => k.Kind == OrgKeyKind.Content).UsesReserved >= 1);
        Assert.Equal(2, status.Organizations.Single(o => o.OrganizationId == "org-b").CurrentVersion);
        Assert.False(Assert.Single(status.Shreds).IsExecuted);
    }

    [Fact]
    public async Task Creating_organization_keys_is_idempotent()
    {
        Assert.Equal(1, await _cell.Manager.CreateOrganizationKeysAsync("org-a"));
        Assert.Equal(2, (await _cell.Store.GetKeysAsync("org-a")).Count);
    }

    private sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
