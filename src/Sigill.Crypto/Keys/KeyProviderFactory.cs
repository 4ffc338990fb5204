namespace Sigill.Crypto;

public enum KeyProviderKind
{
    FileKeyring = 0,
    Pkcs11 = 1,
}

/// <summary>Which key provider a region cell uses. Bind from configuration, e.g. <c>Sigill:Keys:Provider</c>.</summary>
public sealed class KeyProviderOptions
{
    public KeyProviderKind Provider { get; set; } = KeyProviderKind.FileKeyring;

    /// <summary>"production", "staging" or "development" (or another lower-case name); part of every key identifier.</summary>
    public string Environment { get; set; } = "development";

    /// <summary>Production refuses the file keyring unless this is true.</summary>
    public bool AllowFileKeyringInProduction { get; set; }

    /// <summary>Directory of the file keyring (keyring.json). Keep it out of backups of the data directory.</summary>
    public string? KeyringDirectory { get; set; }

    /// <summary>Master key file (mode 0600). When unset, <see cref="MasterKeyEnvironmentVariable"/> is read.</summary>
    public string? MasterKeyFile { get; set; }

    public string MasterKeyEnvironmentVariable { get; set; } = MasterSecret.DefaultEnvironmentVariable;

    public string Pkcs11LibraryPath { get; set; } = "/usr/lib/softhsm/libsofthsm2.so";

    public string? Pkcs11TokenLabel { get; set; }

    /// <summary>Name of the environment variable holding the token's user PIN (the PIN itself never sits in configuration).</summary>
    public string Pkcs11PinEnvironmentVariable { get; set; } = "SIGILL_PKCS11_PIN";
}

public static class KeyProviderFactory
{
    /// <summary>Throws when the configuration is not allowed (file keyring in production without the explicit switch).</summary>
    public static void Validate(KeyProviderOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        KeyIds.ValidateName(options.Environment, nameof(options.Environment));
        if (options.Provider == KeyProviderKind.FileKeyring
            && string.Equals(options.Environment, "production", StringComparison.Ordinal)
            && !options.AllowFileKeyringInProduction)
        {
            throw new InvalidOperationException(
                "The file keyring is refused in production: root keys would sit on the application host. Configure the PKCS#11 provider (an HSM), "
                + "or set AllowFileKeyringInProduction = true to accept the risk explicitly.");
        }
    }

    public static IKeyProvider Create(KeyProviderOptions options, TimeProvider? time = null)
    {
        Validate(options);
        switch (options.Provider)
        {
            case KeyProviderKind.FileKeyring:
                var directory = options.KeyringDirectory
                    ?? throw new InvalidOperationException("KeyringDirectory is required for the file keyring.");
                var secret = MasterSecret.Load(options.MasterKeyFile, options.MasterKeyEnvironmentVariable);
                try
                {
                    return FileKeyring.Open(directory, secret, time);
                }
                finally
                {
                    System.Security.Cryptography.CryptographicOperations.ZeroMemory(secret);
                }

            case KeyProviderKind.Pkcs11:
                var pin = System.Environment.GetEnvironmentVariable(options.Pkcs11PinEnvironmentVariable);
                if (string.IsNullOrEmpty(pin))
                {
                    throw new InvalidOperationException($"Set {options.Pkcs11PinEnvironmentVariable} to the PKCS#11 token's user PIN.");
                }

                return Pkcs11KeyProvider.Open(
                    options.Pkcs11LibraryPath,
                    options.Pkcs11TokenLabel ?? throw new InvalidOperationException("Pkcs11TokenLabel is required for the PKCS#11 provider."),
                    pin);

            default:
                throw new InvalidOperationException($"Unknown key provider {options.Provider}.");
        }
    }
}
