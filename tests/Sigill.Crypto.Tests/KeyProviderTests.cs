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
