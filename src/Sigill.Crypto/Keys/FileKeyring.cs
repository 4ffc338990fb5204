using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Sigill.Crypto;

/// <summary>
/// The default key provider: a JSON file (<c>keyring.json</c>, mode 0600) in a directory of its own. Each key is
/// sealed with AES-256-GCM under an entry key derived from the master secret:
/// <c>entry key = HKDF-SHA256(IKM = master secret, salt = keyring salt, info = "sigill/file-keyring/v1/entry-key")</c>,
/// AAD = <c>"sigill/file-keyring/v1/entry" || str(keyId)</c>. A check value tells a wrong master secret apart from a
/// damaged file. Destroyed keys leave a tombstone (identifier and time, no material). Rewrites go to a temp file
/// that is flushed and renamed over the old one, so a crash leaves either the old or the new keyring.
/// Several processes may share one keyring (API nodes, the CLI, workers): every change is made under an exclusive lock
/// on <c>keyring.lock</c> beside it, on the file as it is on disk then (re-read first), never on a copy a process loaded
/// earlier; and a process re-reads the file whenever it has changed on disk before it answers, so a key another process
/// created is found and one it destroyed is gone.
/// Threat note: the file keyring protects root keys at rest only as well as the master secret is kept apart from the
/// data directory and its backups. Production should use PKCS#11 (see KeyProviderFactory).
/// </summary>
public sealed class FileKeyring : IKeyProvider, IDisposable
{
    public const string FileName = "keyring.json";
    private const string LockFileName = "keyring.lock";
    private const string FormatName = "sigill-file-keyring/1";
    private const byte WrapFormat = 0x01;

    private readonly string _path;
    private readonly TimeProvider _time;
    private readonly byte[] _entryKey;
    private readonly byte[] _salt;
    private readonly Dictionary<string, Entry> _keys = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DateTimeOffset> _destroyed = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly string _lockPath;
    private (DateTime WrittenAt, long Length) _loaded;

    /// <summary>How long a change waits for another process's change to the same keyring.</summary>
    private static readonly TimeSpan LockTimeout = TimeSpan.FromSeconds(30);

    private FileKeyring(string path, byte[] entryKey, byte[] salt, TimeProvider time)
    {
        _path = path;
        _lockPath = Path.Combine(Path.GetDirectoryName(path)!, LockFileName);
        _entryKey = entryKey;
        _salt = salt;
        _time = time;
    }

    public string Name => "file-keyring";

    /// <summary>Opens (or creates) the keyring in <paramref name="directory"/>. The master secret is copied, not kept by reference.</summary>
    public static FileKeyring Open(string directory, ReadOnlySpan<byte> masterSecret, TimeProvider? time = null)
    {
        if (masterSecret.Length != 32)
        {
            throw new ArgumentException("The master secret must be 32 bytes.", nameof(masterSecret));
        }

        if (!Directory.Exists(directory))
        {
            if (OperatingSystem.IsWindows())
            {
                Directory.CreateDirectory(directory);
            }
            else
            {
                Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
        }

        var path = Path.Combine(directory, FileName);
        time ??= TimeProvider.System;
        // Two processes starting at once must not both create a keyring, each with its own salt: creation is locked too.
        using var held = AcquireLock(Path.Combine(directory, LockFileName), CancellationToken.None).GetAwaiter().GetResult();
        if (!File.Exists(path))
        {
            var salt = RandomNumberGenerator.GetBytes(32);
            var created = new FileKeyring(path, DeriveEntryKey(masterSecret, salt), salt, time);
            created.Save();
            return created;
        }

        var document = ReadDocument(path);
        var fileSalt = Convert.FromBase64String(document.Salt);
        var keyring = new FileKeyring(path, DeriveEntryKey(masterSecret, fileSalt), fileSalt, time);
        if (!CryptographicOperations.FixedTimeEquals(keyring.CheckValue(), Convert.FromBase64String(document.Check)))
        {
            keyring.Dispose();
            throw new CryptoIntegrityException(CryptoFailureReason.WrongKey, $"The master key does not open keyring '{path}' (wrong SIGILL_MASTER_KEY or master key file).");
        }

        keyring.Load(document);
        return keyring;
    }

    public async Task CreateKeyAsync(string keyId, CancellationToken cancellationToken = default)
    {
        if (!await CreateAsync(keyId, ifMissing: false, cancellationToken))
        {
            throw new InvalidOperationException($"Key '{keyId}' already exists or was destroyed; identifiers are never reused.");
        }
    }

    /// <summary>Atomic across every process sharing the keyring: of several creating one identifier at once, one creates it.</summary>
    public Task<bool> CreateKeyIfMissingAsync(string keyId, CancellationToken cancellationToken = default) =>
        CreateAsync(keyId, ifMissing: true, cancellationToken);

    private Task<bool> CreateAsync(string keyId, bool ifMissing, CancellationToken cancellationToken)
    {
        Binding.ValidateIdentifier(keyId, nameof(keyId));
        return ChangeAsync(() =>
        {
            if (_destroyed.ContainsKey(keyId))
            {
                throw new InvalidOperationException($"Key '{keyId}' was destroyed; identifiers are never reused.");
            }

            if (_keys.ContainsKey(keyId))
            {
                return false;
            }

            var material = GC.AllocateUninitializedArray<byte>(32, pinned: true);
            RandomNumberGenerator.Fill(material);
            _keys[keyId] = new Entry(material, _time.GetUtcNow());
            return true;
        }, cancellationToken);
    }

    public Task<bool> KeyExistsAsync(string keyId, CancellationToken cancellationToken = default)
    {
        RefreshIfChanged();
        lock (_keys)
        {
            return Task.FromResult(_keys.ContainsKey(keyId));
        }
    }

    public Task<IReadOnlyList<string>> ListKeysAsync(string prefix, CancellationToken cancellationToken = default)
    {
        RefreshIfChanged();
        lock (_keys)
        {
            IReadOnlyList<string> ids = [.. _keys.Keys.Where(k => k.StartsWith(prefix, StringComparison.Ordinal)).Order(StringComparer.Ordinal)];
            return Task.FromResult(ids);
        }
    }

    /// <summary>Format: 0x01 || nonce (12, random) || ciphertext || tag (16). AAD = "sigill/file-keyring/v1/wrap" || str(keyId) || associatedData.</summary>
    public Task<byte[]> WrapAsync(string keyId, ReadOnlyMemory<byte> plaintextKey, ReadOnlyMemory<byte> associatedData, CancellationToken cancellationToken = default)
    {
        var key = GetKey(keyId);
        var output = new byte[1 + 12 + plaintextKey.Length + 16];
        output[0] = WrapFormat;
        var nonce = output.AsSpan(1, 12);
        RandomNumberGenerator.Fill(nonce);
        using var gcm = new AesGcm(key, 16);
        gcm.Encrypt(nonce, plaintextKey.Span, output.AsSpan(13, plaintextKey.Length), output.AsSpan(13 + plaintextKey.Length), WrapAad(keyId, associatedData.Span));
        return Task.FromResult(output);
    }

    public Task<byte[]> UnwrapAsync(string keyId, ReadOnlyMemory<byte> wrappedKey, ReadOnlyMemory<byte> associatedData, CancellationToken cancellationToken = default)
    {
        var key = GetKey(keyId);
        var wrapped = wrappedKey.Span;
        if (wrapped.Length < 29 || wrapped[0] != WrapFormat)
        {
            throw new CryptoIntegrityException(CryptoFailureReason.UnsupportedFormat, $"Wrapped key for '{keyId}' is not in file-keyring format.");
        }

        var plaintext = new byte[wrapped.Length - 29];
        try
        {
            using var gcm = new AesGcm(key, 16);
            gcm.Decrypt(wrapped.Slice(1, 12), wrapped[13..^16], wrapped[^16..], plaintext, WrapAad(keyId, associatedData.Span));
            return Task.FromResult(plaintext);
        }
        catch (AuthenticationTagMismatchException ex)
        {
            throw new CryptoIntegrityException(CryptoFailureReason.WrongKey, $"Wrapped key does not open under '{keyId}'.", ex);
        }
    }

    public Task<bool> DestroyKeyAsync(string keyId, CancellationToken cancellationToken = default) =>
        ChangeAsync(() =>
        {
            if (!_keys.Remove(keyId, out var entry))
            {
                return false;
            }

            _destroyed[keyId] = _time.GetUtcNow();
            CryptographicOperations.ZeroMemory(entry.Material);
            return true;
        }, cancellationToken);

    public void Dispose()
    {
        lock (_keys)
        {
            foreach (var e in _keys.Values)
            {
                CryptographicOperations.ZeroMemory(e.Material);
            }

            _keys.Clear();
        }

        CryptographicOperations.ZeroMemory(_entryKey);
        _gate.Dispose();
    }

    private byte[] GetKey(string keyId)
    {
        RefreshIfChanged();
        lock (_keys)
        {
            if (_keys.TryGetValue(keyId, out var entry))
            {
                return entry.Material;
            }

            var what = _destroyed.ContainsKey(keyId) ? "was destroyed" : "does not exist";
            throw new CryptoIntegrityException(CryptoFailureReason.KeyDestroyed, $"Key '{keyId}' {what} in the file keyring.");
        }
    }

    /// <summary>
    /// One change, under the in-process gate and the cross-process lock, applied to the keyring as it is on disk now;
    /// saved when <paramref name="change"/> returns true.
    /// </summary>
    private async Task<bool> ChangeAsync(Func<bool> change, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            using var held = await AcquireLock(_lockPath, cancellationToken);
            RefreshIfChanged();
            bool changed;
            lock (_keys)
            {
                changed = change();
            }

            if (changed)
            {
                Save();
            }

            return changed;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// An exclusive lock on the lock file (flock on Linux, released when the handle closes, also when the process dies),
    /// retried until <see cref="LockTimeout"/>.
    /// </summary>
    private static async Task<FileStream> AcquireLock(string lockPath, CancellationToken cancellationToken)
    {
        var options = new FileStreamOptions { Mode = FileMode.OpenOrCreate, Access = FileAccess.ReadWrite, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        var deadline = DateTime.UtcNow + LockTimeout;
        while (true)
        {
            try
            {
                return new FileStream(lockPath, options);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(5), cancellationToken);
            }
            catch (IOException e)
            {
                throw new IOException($"The keyring lock '{lockPath}' stayed held by another process for {LockTimeout.TotalSeconds:0} s.", e);
            }
        }
    }

    /// <summary>Re-reads the file when another process has replaced it since this one last read or wrote it.</summary>
    private void RefreshIfChanged()
    {
        var info = new FileInfo(_path);
        if (!info.Exists)
        {
            return;
        }

        var stamp = (info.LastWriteTimeUtc, info.Length);
        lock (_keys)
        {
            if (stamp == _loaded)
            {
                return;
            }
        }

        var document = ReadDocument(_path);
        if (document.Salt != Convert.ToBase64String(_salt))
        {
            throw new CryptoIntegrityException(CryptoFailureReason.WrongKey, $"Keyring '{_path}' was replaced by another keyring (its salt changed).");
        }

        Load(document, stamp);
    }

    /// <summary>
    /// Takes the file's keys and tombstones. A key this process holds keeps its material array (a wrap in flight may be
    /// using it); a key another process destroyed is zeroed and dropped.
    /// </summary>
    private void Load(KeyringDocument document, (DateTime, long)? stamp = null)
    {
        HashSet<string> held;
        lock (_keys)
        {
            held = [.. _keys.Keys];
        }

        var opened = document.Keys.Where(k => !held.Contains(k.Id))
            .Select(k => (k.Id, Entry: new Entry(OpenEntry(k.Id, Convert.FromBase64String(k.Sealed)), k.CreatedAt))).ToList();
        lock (_keys)
        {
            foreach (var (id, entry) in opened)
            {
                _keys.TryAdd(id, entry);
            }

            var live = document.Keys.Select(k => k.Id).ToHashSet(StringComparer.Ordinal);
            foreach (var gone in _keys.Keys.Where(id => !live.Contains(id)).ToList())
            {
                CryptographicOperations.ZeroMemory(_keys[gone].Material);
                _keys.Remove(gone);
            }

            foreach (var d in document.Destroyed)
            {
                _destroyed[d.Id] = d.DestroyedAt;
            }

            _loaded = stamp ?? Stamp();
        }
    }

    private (DateTime, long) Stamp()
    {
        var info = new FileInfo(_path);
        return (info.LastWriteTimeUtc, info.Length);
    }

    private static KeyringDocument ReadDocument(string path)
    {
        var document = JsonSerializer.Deserialize<KeyringDocument>(File.ReadAllBytes(path))
            ?? throw new InvalidOperationException($"Keyring '{path}' is empty.");
        if (document.Format != FormatName)
        {
            throw new InvalidOperationException($"Keyring '{path}' has unknown format '{document.Format}'.");
        }

        return document;
    }

    private static byte[] DeriveEntryKey(ReadOnlySpan<byte> masterSecret, byte[] salt)
    {
        var key = GC.AllocateUninitializedArray<byte>(32, pinned: true);
        HKDF.DeriveKey(HashAlgorithmName.SHA256, masterSecret, key, salt, "sigill/file-keyring/v1/entry-key"u8);
        return key;
    }

    private byte[] CheckValue() => HMACSHA256.HashData(_entryKey, "sigill/file-keyring/v1/check"u8);

    private static byte[] WrapAad(string keyId, ReadOnlySpan<byte> associatedData)
        => Binding.Concat(Binding.Build("sigill/file-keyring/v1/wrap", keyId), associatedData);

    private byte[] SealEntry(string keyId, byte[] material)
    {
        var output = new byte[12 + material.Length + 16];
        RandomNumberGenerator.Fill(output.AsSpan(0, 12));
        using var gcm = new AesGcm(_entryKey, 16);
        gcm.Encrypt(output.AsSpan(0, 12), material, output.AsSpan(12, material.Length), output.AsSpan(12 + material.Length), Binding.Build("sigill/file-keyring/v1/entry", keyId));
        return output;
    }

    private byte[] OpenEntry(string keyId, byte[] sealedEntry)
    {
        if (sealedEntry.Length != 12 + 32 + 16)
        {
            throw new CryptoIntegrityException(CryptoFailureReason.Tampered, $"Keyring entry '{keyId}' has the wrong length.");
        }

        var material = GC.AllocateUninitializedArray<byte>(32, pinned: true);
        try
        {
            using var gcm = new AesGcm(_entryKey, 16);
            gcm.Decrypt(sealedEntry.AsSpan(0, 12), sealedEntry.AsSpan(12, 32), sealedEntry.AsSpan(44), material, Binding.Build("sigill/file-keyring/v1/entry", keyId));
            return material;
        }
        catch (AuthenticationTagMismatchException ex)
        {
            throw new CryptoIntegrityException(CryptoFailureReason.Tampered, $"Keyring entry '{keyId}' failed authentication.", ex);
        }
    }

    private void Save()
    {
        KeyringDocument document;
        lock (_keys)
        {
            document = new KeyringDocument
            {
                Format = FormatName,
                Salt = Convert.ToBase64String(_salt),
                Check = Convert.ToBase64String(CheckValue()),
                Keys = [.. _keys.OrderBy(k => k.Key, StringComparer.Ordinal).Select(k => new KeyDocument { Id = k.Key, CreatedAt = k.Value.CreatedAt, Sealed = Convert.ToBase64String(SealEntry(k.Key, k.Value.Material)) })],
                Destroyed = [.. _destroyed.OrderBy(k => k.Key, StringComparer.Ordinal).Select(k => new DestroyedDocument { Id = k.Key, DestroyedAt = k.Value })],
            };
        }

        var temp = _path + "." + Guid.NewGuid().ToString("N") + ".tmp";
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        try
        {
            using (var stream = new FileStream(temp, options))
            {
                JsonSerializer.Serialize(stream, document, JsonOptions);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temp, _path, overwrite: true);
            // Other processes notice the change by the file's time and length. The kernel's file clock is coarse (a few
            // milliseconds), so a change of equal length in the same tick would go unseen: move the time on instead.
            var stamp = Stamp();
            if (stamp == _loaded)
            {
                File.SetLastWriteTimeUtc(_path, stamp.Item1.AddTicks(10));
                stamp = Stamp();
            }

            lock (_keys)
            {
                _loaded = stamp;
            }
        }
        finally
        {
            if (File.Exists(temp))
            {
                File.Delete(temp);
            }
        }
    }

    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true };

    private sealed record Entry(byte[] Material, DateTimeOffset CreatedAt);

    private sealed class KeyringDocument
    {
        [JsonPropertyName("format")]
        public string Format { get; set; } = "";

        [JsonPropertyName("salt")]
        public string Salt { get; set; } = "";

        [JsonPropertyName("check")]
        public string Check { get; set; } = "";

        [JsonPropertyName("keys")]
        public List<KeyDocument> Keys { get; set; } = [];

        [JsonPropertyName("destroyed")]
        public List<DestroyedDocument> Destroyed { get; set; } = [];
    }

    private sealed class KeyDocument
    {
        [JsonPropertyName("id")]
        public string Id { get; set; } = "";

        [JsonPropertyName("createdAt")]
        public DateTimeOffset CreatedAt { get; set; }

        [JsonPropertyName("sealed")]
        public string Sealed { get; set; } = "";
    }

    private sealed class DestroyedDocument
    {
        [JsonPropertyName("id")]
        public string Id { get; set; } = "";

        [JsonPropertyName("destroyedAt")]
        public DateTimeOffset DestroyedAt { get; set; }
    }
}
