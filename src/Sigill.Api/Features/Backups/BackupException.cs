namespace Sigill.Api.Features.Backups;

/// <summary>
/// The one exception backups throw outward: a corrupt, truncated or foreign archive, a key provider that cannot
/// open it, a target that is not empty, a failing <c>pg_dump</c>. The message is one line an operator can act on.
/// </summary>
public sealed class BackupException : Exception
{
    public BackupException()
    {
    }

    public BackupException(string message)
        : base(message)
    {
    }

    public BackupException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
