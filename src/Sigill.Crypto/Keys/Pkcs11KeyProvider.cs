using System.Reflection;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Net.Pkcs11Interop.Common;
using Net.Pkcs11Interop.HighLevelAPI;

namespace Sigill.Crypto;

/// <summary>
/// Keys in a PKCS#11 token (an HSM; SoftHSM2 in tests). Keys are generated inside the token as AES-256 secret keys
/// with CKA_TOKEN, CKA_PRIVATE, CKA_SENSITIVE true and CKA_EXTRACTABLE false, found by CKA_LABEL = key identifier,
/// and used only through C_Encrypt/C_Decrypt with CKM_AES_GCM: key material never reaches this process.
/// Wrap format: 0x02 || IV (12, random) || ciphertext || tag (16); AAD = "sigill/pkcs11/v1/wrap" || str(keyId) || associatedData.
/// Destroying a key is C_DestroyObject. One session is shared and serialized (PKCS#11 sessions are not thread-safe).
/// </summary>
public sealed class Pkcs11KeyProvider : IKeyProvider, IDisposable
{
    private const byte WrapFormat = 0x02;

    private readonly Pkcs11InteropFactories _factories = new();
    private readonly IPkcs11Library _library;
    private readonly ISession _session;
    private readonly SemaphoreSlim _gate = new(1, 1);

    private static readonly Lazy<bool> ResolverInstalled = new(InstallLibdlResolver);

    private Pkcs11KeyProvider(IPkcs11Library library, ISession session)
    {
        _library = library;
        _session = session;
    }

    public string Name => "pkcs11";

    /// <summary>Loads <paramref name="libraryPath"/>, finds the token labelled <paramref name="tokenLabel"/> and logs in as user.</summary>
    public static Pkcs11KeyProvider Open(string libraryPath, string tokenLabel, string userPin)
    {
        ArgumentException.ThrowIfNullOrEmpty(libraryPath);
        ArgumentException.ThrowIfNullOrEmpty(tokenLabel);
        ArgumentException.ThrowIfNullOrEmpty(userPin);
        if (!File.Exists(libraryPath))
        {
            throw new InvalidOperationException($"PKCS#11 library '{libraryPath}' not found.");
        }

        _ = ResolverInstalled.Value;
        var factories = new Pkcs11InteropFactories();
        var library = factories.Pkcs11LibraryFactory.LoadPkcs11Library(factories, libraryPath, AppType.MultiThreaded);
        try
        {
            var slot = library.GetSlotList(SlotsType.WithTokenPresent)
                .FirstOrDefault(s => s.GetTokenInfo().Label.Trim() == tokenLabel)
                ?? throw new InvalidOperationException($"No PKCS#11 token labelled '{tokenLabel}' in '{libraryPath}'.");
            var session = slot.OpenSession(SessionType.ReadWrite);
            session.Login(CKU.CKU_USER, userPin);
            return new Pkcs11KeyProvider(library, session);
        }
        catch
        {
            library.Dispose();
            throw;
        }
    }

    public async Task CreateKeyAsync(string keyId, CancellationToken cancellationToken = default)
    {
        Binding.ValidateIdentifier(keyId, nameof(keyId));
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (Find(keyId) is not null)
            {
                throw new InvalidOperationException($"Key '{keyId}' already exists in the token.");
            }

            var a = _factories.ObjectAttributeFactory;
            List<IObjectAttribute> template =
            [
                a.Create(CKA.CKA_CLASS, CKO.CKO_SECRET_KEY),
                a.Create(CKA.CKA_KEY_TYPE, CKK.CKK_AES),
                a.Create(CKA.CKA_VALUE_LEN, 32UL),
                a.Create(CKA.CKA_LABEL, keyId),
                a.Create(CKA.CKA_TOKEN, true),
                a.Create(CKA.CKA_PRIVATE, true),
                a.Create(CKA.CKA_SENSITIVE, true),
                a.Create(CKA.CKA_EXTRACTABLE, false),
                a.Create(CKA.CKA_ENCRYPT, true),
                a.Create(CKA.CKA_DECRYPT, true),
                a.Create(CKA.CKA_WRAP, false),
                a.Create(CKA.CKA_UNWRAP, false),
            ];
            using var mechanism = _factories.MechanismFactory.Create(CKM.CKM_AES_KEY_GEN);
            _session.GenerateKey(mechanism, template);
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task<bool> KeyExistsAsync(string keyId, CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            return Find(keyId) is not null;
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task<IReadOnlyList<string>> ListKeysAsync(string prefix, CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var handles = _session.FindAllObjects([_factories.ObjectAttributeFactory.Create(CKA.CKA_CLASS, CKO.CKO_SECRET_KEY)]);
            var labels = new List<string>();
            foreach (var h in handles)
            {
                var label = _session.GetAttributeValue(h, [CKA.CKA_LABEL])[0].GetValueAsString();
                if (label is not null && label.StartsWith(prefix, StringComparison.Ordinal))
                {
                    labels.Add(label);
                }
            }

            labels.Sort(StringComparer.Ordinal);
            return labels;
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task<byte[]> WrapAsync(string keyId, ReadOnlyMemory<byte> plaintextKey, ReadOnlyMemory<byte> associatedData, CancellationToken cancellationToken = default)
    {
        var iv = RandomNumberGenerator.GetBytes(12);
        var aad = Binding.Concat(Binding.Build("sigill/pkcs11/v1/wrap", keyId), associatedData.Span);
        var plaintext = plaintextKey.ToArray();
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var handle = Find(keyId) ?? throw Missing(keyId);
            var parameters = _factories.MechanismParamsFactory.CreateCkGcmParams(iv, 96, aad, 128);
            using var mechanism = _factories.MechanismFactory.Create(CKM.CKM_AES_GCM, parameters);
            var sealedKey = _session.Encrypt(mechanism, handle, plaintext);
            var output = new byte[1 + 12 + sealedKey.Length];
            output[0] = WrapFormat;
            iv.CopyTo(output, 1);
            sealedKey.CopyTo(output, 13);
            return output;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plaintext);
            _gate.Release();
        }
    }

    public async Task<byte[]> UnwrapAsync(string keyId, ReadOnlyMemory<byte> wrappedKey, ReadOnlyMemory<byte> associatedData, CancellationToken cancellationToken = default)
    {
        var wrapped = wrappedKey.ToArray();
        if (wrapped.Length < 29 || wrapped[0] != WrapFormat)
        {
            throw new CryptoIntegrityException(CryptoFailureReason.UnsupportedFormat, $"Wrapped key for '{keyId}' is not in PKCS#11 provider format.");
        }

        var aad = Binding.Concat(Binding.Build("sigill/pkcs11/v1/wrap", keyId), associatedData.Span);
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var handle = Find(keyId) ?? throw Missing(keyId);
            var parameters = _factories.MechanismParamsFactory.CreateCkGcmParams(wrapped[1..13], 96, aad, 128);
            using var mechanism = _factories.MechanismFactory.Create(CKM.CKM_AES_GCM, parameters);
            return _session.Decrypt(mechanism, handle, wrapped[13..]);
        }
        catch (Pkcs11Exception ex) when (ex.RV is CKR.CKR_ENCRYPTED_DATA_INVALID or CKR.CKR_ENCRYPTED_DATA_LEN_RANGE or CKR.CKR_GENERAL_ERROR or CKR.CKR_FUNCTION_FAILED)
        {
            throw new CryptoIntegrityException(CryptoFailureReason.WrongKey, $"Wrapped key does not open under '{keyId}' ({ex.RV}).", ex);
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task<bool> DestroyKeyAsync(string keyId, CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var handle = Find(keyId);
            if (handle is null)
            {
                return false;
            }

            _session.DestroyObject(handle);
            return true;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>For tests and status: whether the token marks the key sensitive and extractable.</summary>
    internal async Task<(bool Sensitive, bool Extractable)> GetKeyProtectionAsync(string keyId, CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var handle = Find(keyId) ?? throw Missing(keyId);
            var values = _session.GetAttributeValue(handle, [CKA.CKA_SENSITIVE, CKA.CKA_EXTRACTABLE]);
            return (values[0].GetValueAsBool(), values[1].GetValueAsBool());
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Dispose()
    {
        try
        {
            _session.Logout();
        }
        catch (Pkcs11Exception)
        {
            // Already logged out or the token went away; nothing to release.
        }

        _session.Dispose();
        _library.Dispose();
        _gate.Dispose();
    }

    /// <summary>
    /// Pkcs11Interop 5.3 loads the PKCS#11 module through dlopen in "libdl", which glibc 2.34+ ships only as
    /// libdl.so.2 (its functions live in libc.so.6). Map the name so the module loads on current distributions.
    /// </summary>
    private static bool InstallLibdlResolver()
    {
        try
        {
            NativeLibrary.SetDllImportResolver(typeof(Pkcs11InteropFactories).Assembly, ResolveLibdl);
            return true;
        }
        catch (InvalidOperationException)
        {
            return false; // The host installed its own resolver for this assembly.
        }
    }

    private static IntPtr ResolveLibdl(string libraryName, Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (libraryName == "libdl" && OperatingSystem.IsLinux())
        {
            foreach (var candidate in new[] { "libdl.so.2", "libc.so.6" })
            {
                if (NativeLibrary.TryLoad(candidate, out var handle))
                {
                    return handle;
                }
            }
        }

        return IntPtr.Zero;
    }

    private IObjectHandle? Find(string keyId)
    {
        var a = _factories.ObjectAttributeFactory;
        var found = _session.FindAllObjects([a.Create(CKA.CKA_CLASS, CKO.CKO_SECRET_KEY), a.Create(CKA.CKA_LABEL, keyId)]);
        return found.Count switch
        {
            0 => null,
            1 => found[0],
            _ => throw new InvalidOperationException($"More than one key labelled '{keyId}' in the token."),
        };
    }

    private static CryptoIntegrityException Missing(string keyId)
        => new(CryptoFailureReason.KeyDestroyed, $"Key '{keyId}' does not exist in the token (destroyed or never created).");
}
