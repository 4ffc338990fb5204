using System.Security.Cryptography;

namespace Sigill.Crypto.Tests;

public sealed class KeyProviderTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "sigill-crypto-tests", Guid.NewGuid().ToString("N"));

    public KeyProviderTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string WriteMasterKeyFile(UnixFileMode mode)
    {
        var path = Path.Combine(_dir, "master.key");
        File.WriteAllText(path, Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));
        File.SetUnixFileMode(path, mode);
        return path;
    }

    [Fact]
    public void A_master_key_file_readable_by_others_is_refused()
    {
        var path = WriteMasterKeyFile(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        var ex = Assert.Throws<InvalidOperationException>(() => MasterSecret.LoadFile(path));
        Assert.Contains("0644", ex.Message, StringComparison.Ordinal);
        Assert.Contains("chmod 600", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_master_key_file_with_mode_0600_is_accepted()
    {
        var path = WriteMasterKeyFile(UnixFileMode.UserRead | UnixFileMode.UserWrite);
        Assert.Equal(32, MasterSecret.LoadFile(path).Length);
    }

    [Fact]
    public void A_master_key_of_the_wrong_length_is_refused()
    {
        var path = Path.Combine(_dir, "short.key");
        File.WriteAllText(path, Convert.ToBase64String(new byte[16]));
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        Assert.Throws<InvalidOperationException>(() => MasterSecret.LoadFile(path));
    }

    [Fact]
    public async Task The_keyring_reopens_with_the_right_master_key_and_refuses_a_wrong_one()
    {
        var master = RandomNumberGenerator.GetBytes(32);
        byte[] wrapped;
        using (var keyring = FileKeyring.Open(_dir, master))
        {
            await keyring.CreateKeyAsync("test/eu/root/v1");
            wrapped = await keyring.WrapAsync("test/eu/root/v1", new byte[32], "aad"u8.ToArray());
        }

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(_dir, FileKeyring.FileName)));
        using (var reopened = FileKeyring.Open(_dir, master))
        {
            Assert.Equal(new byte[32], await reopened.UnwrapAsync("test/eu/root/v1", wrapped, "aad"u8.ToArray()));
            var wrongAad = await Assert.ThrowsAsync<CryptoIntegrityException>(() => reopened.UnwrapAsync("test/eu/root/v1", wrapped, "other"u8.ToArray()));
            Assert.Equal(CryptoFailureReason.WrongKey, wrongAad.Reason);
        }

        var ex = Assert.Throws<CryptoIntegrityException>(() => FileKeyring.Open(_dir, RandomNumberGenerator.GetBytes(32)));
        Assert.Equal(CryptoFailureReason.WrongKey, ex.Reason);
        Assert.Contains("master key", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_keyring_file_holds_no_key_in_the_clear()
    {
        using var keyring = FileKeyring.Open(_dir, RandomNumberGenerator.GetBytes(32));
        await keyring.CreateKeyAsync("test/eu/root/v1");
        var text = await File.ReadAllTextAsync(Path.Combine(_dir, FileKeyring.FileName));
        Assert.Contains("test/eu/root/v1", text, StringComparison.Ordinal);
        Assert.DoesNotContain("material", text, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(_dir, "*.tmp"));
    }

    [Fact]
    public async Task A_destroyed_key_is_gone_after_reopening_and_its_identifier_cannot_be_reused()
    {
        var master = RandomNumberGenerator.GetBytes(32);
        using (var keyring = FileKeyring.Open(_dir, master))
        {
            await keyring.CreateKeyAsync("test/eu/erasure/org-a");
            Assert.True(await keyring.DestroyKeyAsync("test/eu/erasure/org-a"));
        }

        using var reopened = FileKeyring.Open(_dir, master);
        Assert.False(await reopened.KeyExistsAsync("test/eu/erasure/org-a"));
        var ex = await Assert.ThrowsAsync<CryptoIntegrityException>(() => reopened.WrapAsync("test/eu/erasure/org-a", new byte[32], default));
        Assert.Equal(CryptoFailureReason.KeyDestroyed, ex.Reason);
        await Assert.ThrowsAsync<InvalidOperationException>(() => reopened.CreateKeyAsync("test/eu/erasure/org-a"));
    }

    /// <summary>
    /// API nodes, workers and the CLI share one keyring file. Each instance here stands for a process: it has its own
    /// copy in memory and its own handle on the lock file (flock locks one open file, so instances in one process
    /// exclude each other exactly as processes do). Before the fix, each saved its own copy over the others': keys went
    /// missing, and a key two of them created at once got two different materials.
    /// </summary>
    [Fact]
    public async Task Keyrings_opened_at_once_on_one_file_share_their_keys_and_agree_on_a_key_they_create_at_once()
    {
        var master = RandomNumberGenerator.GetBytes(32);
        var rings = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => FileKeyring.Open(_dir, master))));
        try
        {
            var created = await Task.WhenAll(rings.Select((ring, i) => Task.Run(async () =>
            {
                await ring.CreateKeyAsync($"test/eu/erasure/own-{i}");
                return await ring.CreateKeyIfMissingAsync("test/eu/erasure/shared");
            })));
            Assert.Single(created, c => c);

            // What any instance wraps, every other opens: one salt, one material per key, each key found on disk.
            for (var i = 0; i < rings.Length; i++)
            {
                foreach (var id in new[] { "test/eu/erasure/shared", $"test/eu/erasure/own-{i}" })
                {
                    var secret = RandomNumberGenerator.GetBytes(32);
                    var wrapped = await rings[i].WrapAsync(id, secret, "aad"u8.ToArray());
                    var other = rings[(i + 3) % rings.Length];
                    Assert.Equal(secret, await other.UnwrapAsync(id, wrapped, "aad"u8.ToArray()));
                }
            }

            using var fresh = FileKeyring.Open(_dir, master);
            Assert.Equal(9, (await fresh.ListKeysAsync("test/eu/erasure/")).Count);
            await Assert.ThrowsAsync<InvalidOperationException>(() => rings[5].CreateKeyAsync("test/eu/erasure/own-2"));

            // A key one instance destroys is gone for the others too, without reopening: crypto-shredding holds.
            var shredded = await rings[6].WrapAsync("test/eu/erasure/own-1", new byte[32], default);
            Assert.True(await rings[1].DestroyKeyAsync("test/eu/erasure/own-1"));
            var ex = await Assert.ThrowsAsync<CryptoIntegrityException>(() => rings[6].UnwrapAsync("test/eu/erasure/own-1", shredded, default));
            Assert.Equal(CryptoFailureReason.KeyDestroyed, ex.Reason);
            Assert.False(await rings[7].KeyExistsAsync("test/eu/erasure/own-1"));
            await Assert.ThrowsAsync<InvalidOperationException>(() => rings[0].CreateKeyIfMissingAsync("test/eu/erasure/own-1"));
        }
        finally
        {
            foreach (var ring in rings)
            {
                ring.Dispose();
            }
        }
    }

    [Fact]
    public void Production_refuses_the_file_keyring_unless_explicitly_allowed()
    {
        var options = new KeyProviderOptions { Provider = KeyProviderKind.FileKeyring, Environment = "production", KeyringDirectory = _dir };
        var ex = Assert.Throws<InvalidOperationException>(() => KeyProviderFactory.Validate(options));
        Assert.Contains("AllowFileKeyringInProduction", ex.Message, StringComparison.Ordinal);

        options.AllowFileKeyringInProduction = true;
        KeyProviderFactory.Validate(options);
        KeyProviderFactory.Validate(new KeyProviderOptions { Environment = "staging" });
        KeyProviderFactory.Validate(new KeyProviderOptions { Environment = "production", Provider = KeyProviderKind.Pkcs11 });
    }

    [Fact]
    public void The_factory_opens_a_file_keyring_from_a_master_key_file()
    {
        var options = new KeyProviderOptions
        {
            Environment = "development",
            KeyringDirectory = Path.Combine(_dir, "ring"),
            MasterKeyFile = WriteMasterKeyFile(UnixFileMode.UserRead | UnixFileMode.UserWrite),
        };
        using var provider = (FileKeyring)KeyProviderFactory.Create(options);
        Assert.Equal("file-keyring", provider.Name);
    }

    [Fact]
    public async Task A_staging_root_key_cannot_open_production_organization_keys()
    {
        using var keyring = FileKeyring.Open(_dir, RandomNumberGenerator.GetBytes(32));
        var store = new InMemoryOrgKeyStore();
        var time = TimeProvider.System;
        var production = new CellKeyManager("eu", "production", keyring, store, time, new RecordingLogger<CellKeyManager>());
        await production.CreateOrganizationKeysAsync("org-a");
        var ciphertext = await production.EncryptBytesAsync(new ObjectContext("eu", "org-a", "doc-1", 1, "document"), new byte[] { 1, 2, 3 });

        // A staging cell pointed at the production database copy: its key ids differ and its context binding differs.
        var staging = new CellKeyManager("eu", "staging", keyring, store, time, new RecordingLogger<CellKeyManager>());
        var ex = await Assert.ThrowsAsync<CryptoIntegrityException>(() => staging.DecryptBytesAsync(new ObjectContext("eu", "org-a", "doc-1", 1, "document"), ciphertext));
        Assert.Equal(CryptoFailureReason.WrongContext, ex.Reason);
        Assert.All(await keyring.ListKeysAsync(""), id => Assert.StartsWith("production/eu/", id, StringComparison.Ordinal));
    }
}
