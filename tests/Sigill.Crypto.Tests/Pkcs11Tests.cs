using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Sigill.Crypto.Tests;

/// <summary>
/// A SoftHSM2 token of its own in a temp directory, shared by the PKCS#11 tests (a PKCS#11 library is initialized
/// once per process). SOFTHSM2_CONF must reach the native environment before the library loads, hence setenv.
/// </summary>
public sealed class SoftHsmFixture : IDisposable
{
    public const string LibraryPath = "/usr/lib/softhsm/libsofthsm2.so";
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "sigill-softhsm-" + Guid.NewGuid().ToString("N"));
    private readonly Lazy<Pkcs11KeyProvider> _provider;

    public SoftHsmFixture() => _provider = new Lazy<Pkcs11KeyProvider>(Start);

    public Pkcs11KeyProvider Provider => _provider.Value;

    private Pkcs11KeyProvider Start()
    {
        if (!File.Exists(LibraryPath))
        {
            Assert.Fail($"SoftHSM2 is not installed ({LibraryPath} missing): run ./test.sh (installs softhsm2).");
        }

        Directory.CreateDirectory(Path.Combine(_dir, "tokens"));
        var conf = Path.Combine(_dir, "softhsm2.conf");
        File.WriteAllText(conf, $"directories.tokendir = {Path.Combine(_dir, "tokens")}\nobjectstore.backend = file\nlog.level = ERROR\n");
        Environment.SetEnvironmentVariable("SOFTHSM2_CONF", conf);
        Assert.Equal(0, NativeMethods.setenv("SOFTHSM2_CONF", conf, 1));

        var init = new ProcessStartInfo("softhsm2-util") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { "--init-token", "--free", "--label", "sigill-test", "--pin", "1234", "--so-pin", "5678" })
        {
            init.ArgumentList.Add(arg);
        }

        init.Environment["SOFTHSM2_CONF"] = conf;
        using (var process = Process.Start(init)!)
        {
            var output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
            process.WaitForExit();
            Assert.True(process.ExitCode == 0, "softhsm2-util --init-token failed: " + output);
        }

        return Pkcs11KeyProvider.Open(LibraryPath, "sigill-test", "1234");
    }

    public void Dispose()
    {
        if (_provider.IsValueCreated)
        {
            _provider.Value.Dispose();
        }

        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }

    private static class NativeMethods
    {
        [DllImport("libc", SetLastError = true)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        public static extern int setenv([MarshalAs(UnmanagedType.LPUTF8Str)] string name, [MarshalAs(UnmanagedType.LPUTF8Str)] string value, int overwrite);
    }
}

public sealed class Pkcs11Tests(SoftHsmFixture hsm) : IClassFixture<SoftHsmFixture>
{
    private CellKeyManager Cell(TestCell cell, IOrgKeyStore store) => new(TestCell.Region, "hsm" + Environment.ProcessId % 1000, hsm.Provider, store, cell.Time, cell.Logger, cell.Options);

    [Fact]
    public async Task Keys_are_generated_inside_the_token_as_sensitive_and_not_extractable()
    {
        var id = "test/eu/root/v" + Random.Shared.Next(1000, 1_000_000);
        await hsm.Provider.CreateKeyAsync(id);
        Assert.Contains(id, await hsm.Provider.ListKeysAsync("test/eu/root/"));
        Assert.Equal((true, false), await hsm.Provider.GetKeyProtectionAsync(id));

        var wrapped = await hsm.Provider.WrapAsync(id, new byte[32], "aad"u8.ToArray());
        Assert.Equal(new byte[32], await hsm.Provider.UnwrapAsync(id, wrapped, "aad"u8.ToArray()));
        var ex = await Assert.ThrowsAsync<CryptoIntegrityException>(() => hsm.Provider.UnwrapAsync(id, wrapped, "other"u8.ToArray()));
        Assert.Equal(CryptoFailureReason.WrongKey, ex.Reason);
    }

    [Fact]
    public async Task A_cell_on_an_HSM_encrypts_rotates_its_root_and_shreds_an_organization()
    {
        using var cell = new TestCell(provider: new InertProvider());
        var store = new InMemoryOrgKeyStore();
        var manager = Cell(cell, store);
        var org = "org-" + Guid.NewGuid().ToString("N")[..8];
        await manager.CreateOrganizationKeysAsync(org);
        var context = TestCell.Context(org);
        var plaintext = Bytes.Random(10_000, 1);
        var ciphertext = await manager.EncryptBytesAsync(context, plaintext);

        await manager.RotateRootAsync();
        Assert.Equal(plaintext, await Cell(cell, store).DecryptBytesAsync(context, ciphertext));

        var backup = store.Clone();
        await manager.ScheduleShredAsync(org);
        cell.Time.Advance(TimeSpan.FromDays(7));
        Assert.Equal([org], await manager.ExecuteDueShredsAsync());
        Assert.Empty(await hsm.Provider.ListKeysAsync($"{manager.Environment}/eu/erasure/{org}"));
        var ex = await Assert.ThrowsAsync<CryptoIntegrityException>(() => Cell(cell, backup).DecryptBytesAsync(context, ciphertext));
        Assert.Equal(CryptoFailureReason.KeyDestroyed, ex.Reason);
    }

    /// <summary>Placeholder provider for the TestCell's own manager, unused here.</summary>
    private sealed class InertProvider : IKeyProvider
    {
        public string Name => "inert";

        public Task CreateKeyAsync(string keyId, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<bool> DestroyKeyAsync(string keyId, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<bool> KeyExistsAsync(string keyId, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<IReadOnlyList<string>> ListKeysAsync(string prefix, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<byte[]> UnwrapAsync(string keyId, ReadOnlyMemory<byte> wrappedKey, ReadOnlyMemory<byte> associatedData, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<byte[]> WrapAsync(string keyId, ReadOnlyMemory<byte> plaintextKey, ReadOnlyMemory<byte> associatedData, CancellationToken cancellationToken = default) => throw new NotSupportedException();
    }
}
