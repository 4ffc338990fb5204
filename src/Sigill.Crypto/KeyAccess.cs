namespace Sigill.Crypto;

/// <summary>
/// Whose keys the current flow of execution may use. The API tier enters a scope for each authenticated
/// request (the caller's organization and user; an operator's live support grant, or nothing); the key
/// manager checks it before it unwraps or uses any key. No scope means trusted system work (jobs, the
/// operator's own commands on the server, anonymous endpoints that verify their own credential).
/// This is a second line behind each handler's own object-level checks: a handler that asked for the wrong
/// organization still gets no plaintext.
/// </summary>
public static class KeyAccess
{
    private static readonly AsyncLocal<KeyAccessScope?> Current = new();

    public static KeyAccessScope? Scope => Current.Value;

    /// <summary>Enters a scope for the rest of this asynchronous flow; dispose to leave it.</summary>
    public static IDisposable Enter(KeyAccessScope scope)
    {
        ArgumentNullException.ThrowIfNull(scope);
        var previous = Current.Value;
        Current.Value = scope;
        return new Restore(previous);
    }

    /// <summary>
    /// Adds one owner to the current scope (if any) for the rest of this flow: for code that has just created that
    /// owner (a new organization or user) and so legitimately uses keys nobody was granted before.
    /// </summary>
    public static IDisposable Include(string owner)
    {
        var scope = Current.Value;
        return scope is null ? new Restore(null) : Enter(scope with { Owners = new HashSet<string>(scope.Owners, StringComparer.Ordinal) { owner } });
    }

    internal static void Demand(string owner, DateTimeOffset now)
    {
        var scope = Current.Value;
        if (scope is not null && !scope.Allows(owner, now))
        {
            throw new KeyAccessDeniedException(scope.Principal, owner);
        }
    }

    private sealed class Restore(KeyAccessScope? previous) : IDisposable
    {
        public void Dispose() => Current.Value = previous;
    }
}

/// <summary>The key owners (organizations, users, the cell itself) a principal may use, until <see cref="NotAfter"/>.</summary>
public sealed record KeyAccessScope(string Principal, IReadOnlySet<string> Owners, DateTimeOffset? NotAfter = null)
{
    public bool Allows(string owner, DateTimeOffset now) => Owners.Contains(owner) && (NotAfter is null || now < NotAfter);
}

/// <summary>The key layer refused a principal the keys of an owner outside its scope.</summary>
public sealed class KeyAccessDeniedException(string principal, string owner)
    : Exception($"{principal} has no access to the keys of {owner}.")
{
    public string Principal { get; } = principal;
    public string Owner { get; } = owner;
}
