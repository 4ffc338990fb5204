using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace Sigill.Crypto.Tests;

/// <summary>A region cell on a temp-dir file keyring, an in-memory key store, a fake clock and a recording logger.</summary>
internal sealed class TestCell : IDisposable
{
    public const string Region = "eu";
    public const string EnvironmentName = "test";

    private readonly List<IDisposable> _owned = [];

    public TestCell(CellKeyManagerOptions? options = null, IKeyProvider? provider = null)
    {
        Directory = Path.Combine(Path.GetTempPath(), "sigill-crypto-tests", Guid.NewGuid().ToString("N"));
        MasterSecret = RandomNumberGenerator.GetBytes(32);
        Options = options ?? new CellKeyManagerOptions { ChunkSizeExponent = 12 };
        Provider = provider ?? OpenKeyring();
        Manager = NewManager(Store);
    }

    public string Directory { get; }

    public byte[] MasterSecret { get; }

    public CellKeyManagerOptions Options { get; }

    public IKeyProvider Provider { get; }

    public InMemoryOrgKeyStore Store { get; } = new();

    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero));

    public RecordingLogger<CellKeyManager> Logger { get; } = new();

    public CellKeyManager Manager { get; }

    public int ChunkSize => 1 << Options.ChunkSizeExponent;

    public FileKeyring OpenKeyring()
    {
        var keyring = FileKeyring.Open(Path.Combine(Directory, "keys"), MasterSecret, Time);
        _owned.Add(keyring);
        return keyring;
    }

    /// <summary>Another process of the same cell: same provider, the given store, empty caches.</summary>
    public CellKeyManager NewManager(IOrgKeyStore store) => new(Region, EnvironmentName, Provider, store, Time, Logger, Options);

    public static ObjectContext Context(string org = "org-a", string objectId = "doc-1", int version = 1, string purpose = "document")
        => new(Region, org, objectId, version, purpose);

    public async Task<byte[]> EncryptAsync(ObjectContext context, byte[] plaintext) => await Manager.EncryptBytesAsync(context, plaintext);

    public void Dispose()
    {
        foreach (var d in _owned)
        {
            d.Dispose();
        }

        if (System.IO.Directory.Exists(Directory))
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
    }
}

internal sealed class RecordingLogger<T> : ILogger<T>
{
    private readonly List<(LogLevel Level, EventId Id, string Message)> _entries = [];

    public IReadOnlyList<(LogLevel Level, EventId Id, string Message)> Entries
    {
        get
        {
            lock (_entries)
            {
                return [.. _entries];
            }
        }
    }

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        lock (_entries)
        {
            _entries.Add((logLevel, eventId, formatter(state, exception)));
        }
    }
}

internal static class Bytes
{
    public static byte[] Random(int length, int seed)
    {
        var b = new byte[length];
        new Random(seed).NextBytes(b);
        return b;
    }

    public static byte[] Hex(string hex) => Convert.FromHexString(hex.Replace(" ", "", StringComparison.Ordinal));
}
