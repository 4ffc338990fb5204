namespace Sigill.Api.Platform.Blobs;

/// <summary>
/// A cell's object store. Implementations store bytes as given: callers encrypt before they put
/// (see docs/architecture.md). A put is atomic — a reader sees the whole object or nothing, and a
/// failed put leaves nothing behind.
/// </summary>
public interface IBlobStore
{
    /// <summary>Where the objects live, for logs and reports (a folder or a bucket URL; never credentials).</summary>
    string Location { get; }

    Task PutAsync(string key, Stream content, CancellationToken cancellationToken);

    /// <summary>Opens the object for reading, or returns null when it does not exist.</summary>
    Task<Stream?> OpenReadAsync(string key, CancellationToken cancellationToken);

    /// <summary>Deletes the object; returns false when it did not exist.</summary>
    Task<bool> DeleteAsync(string key, CancellationToken cancellationToken);

    IAsyncEnumerable<string> ListAsync(string prefix, CancellationToken cancellationToken);

    /// <summary>Throws when the store cannot be reached or written; used by readiness checks.</summary>
    Task CheckAsync(CancellationToken cancellationToken);
}
