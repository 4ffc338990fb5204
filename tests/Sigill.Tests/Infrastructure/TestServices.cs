using Amazon.Runtime;
using Amazon.S3;
using Npgsql;
using Sigill.Api.Platform.Cells;

namespace Sigill.Tests.Infrastructure;

/// <summary>
/// The real services ./test.sh starts on loopback: PostgreSQL, s3rver and the SMTP sink. A test that
/// needs one and runs without ./test.sh fails with a message saying so — it never skips silently.
/// </summary>
internal static class TestServices
{
    public static string PostgresAdmin => Required("SIGILL_TEST_POSTGRES");

    public static string S3Url => Required("SIGILL_TEST_S3_URL");

    /// <summary>Creates an empty database of its own for one test and returns its connection string.</summary>
    public static async Task<string> CreatePostgresDatabaseAsync()
    {
        var name = "t_" + Guid.NewGuid().ToString("N");
        await using (var connection = new NpgsqlConnection(PostgresAdmin))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
            await command.ExecuteNonQueryAsync();
        }
        return new NpgsqlConnectionStringBuilder(PostgresAdmin) { Database = name }.ConnectionString;
    }

    /// <summary>Creates an empty bucket of its own for one test and returns blob options pointing at it.</summary>
    public static async Task<BlobStoreOptions> CreateS3BucketAsync()
    {
        var options = new BlobStoreOptions
        {
            Provider = "s3",
            ServiceUrl = S3Url,
            Bucket = "t-" + Guid.NewGuid().ToString("N")[..20],
            AccessKey = "S3RVER",
            SecretKey = "S3RVER",
        };
        using var client = new AmazonS3Client(new BasicAWSCredentials(options.AccessKey, options.SecretKey),
            new AmazonS3Config { ServiceURL = options.ServiceUrl, ForcePathStyle = true, AuthenticationRegion = options.SigningRegion });
        await client.PutBucketAsync(options.Bucket);
        return options;
    }

    /// <summary>
    /// Options for one test cell in <paramref name="directory"/>: a SQLite file or a fresh PostgreSQL
    /// database, a blob folder, and a file keyring with a master key of its own (mode 0600).
    /// </summary>
    public static async Task<CellOptions> CellOptionsAsync(string provider, TempDirectory directory)
    {
        var master = directory.Combine("master.key");
        if (!File.Exists(master))
        {
            await File.WriteAllTextAsync(master, Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)));
            File.SetUnixFileMode(master, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
        return new CellOptions
        {
            Database = provider == "sqlite"
                ? new DatabaseOptions { Provider = "sqlite", ConnectionString = $"Data Source={directory.Combine("cell.db")};Default Timeout=30" }
                : new DatabaseOptions { Provider = "postgres", ConnectionString = await CreatePostgresDatabaseAsync() },
            Blobs = new BlobStoreOptions { Provider = "filesystem", Path = directory.Combine("blobs") },
            Keys = new Sigill.Crypto.KeyProviderOptions { KeyringDirectory = directory.Combine("keys"), MasterKeyFile = master },
        };
    }

    private static string Required(string name) =>
        Environment.GetEnvironmentVariable(name) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException($"{name} is not set: run the suite with ./test.sh, which starts PostgreSQL, s3rver and the SMTP sink.");
}

/// <summary>A temporary directory removed at the end of a test.</summary>
internal sealed class TempDirectory : IDisposable
{
    public TempDirectory()
    {
        Path = Directory.CreateTempSubdirectory("sigill-test-").FullName;
    }

    public string Path { get; }

    public string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
