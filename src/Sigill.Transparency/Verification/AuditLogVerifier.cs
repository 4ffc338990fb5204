using System.Security.Cryptography;

namespace Sigill.Transparency;

/// <summary>The first inconsistency <see cref="AuditLogVerifier"/> found.</summary>
public enum AuditProblem
{
    /// <summary>No inconsistency.</summary>
    None,

    /// <summary>A stored checkpoint is not validly signed by the region key or is malformed.</summary>
    CheckpointInvalid,

    /// <summary>A stored checkpoint names another log.</summary>
    CheckpointOriginMismatch,

    /// <summary>A later stored checkpoint has a smaller tree size than an earlier one.</summary>
    CheckpointSizeDecreased,

    /// <summary>Leaves are missing, repeated or out of order.</summary>
    LeafIndexGap,

    /// <summary>A leaf's stored commitment is not the one its salt and event hash produce.</summary>
    CommitmentMismatch,

    /// <summary>The root recomputed from stored leaves differs from a checkpoint's root.</summary>
    CheckpointRootMismatch,

    /// <summary>A checkpoint commits to more leaves than are stored (the log was truncated).</summary>
    CheckpointBeyondLog,
}

/// <summary>The outcome of a full audit-log verification.</summary>
/// <param name="Problem">None, or the first inconsistency.</param>
/// <param name="Detail">A precise explanation naming the leaf index or checkpoint size.</param>
/// <param name="LeafIndex">The offending leaf index, when the problem is a leaf.</param>
/// <param name="CheckpointSize">The offending checkpoint's tree size, when the problem is a checkpoint.</param>
/// <param name="LeavesVerified">Leaves folded into the recomputed tree.</param>
/// <param name="CheckpointsVerified">Checkpoints whose root matched.</param>
/// <param name="RootHash">The recomputed root of all leaves (when no problem).</param>
public sealed record AuditLogResult(
    AuditProblem Problem, string Detail, long? LeafIndex, long? CheckpointSize, long LeavesVerified, int CheckpointsVerified, byte[]? RootHash)
{
    /// <summary>True when the log and all its checkpoints are consistent.</summary>
    public bool IsValid => Problem == AuditProblem.None;
}

/// <summary>
/// Recomputes one region's tree from its stored leaves, in index order, in O(log n) memory, and
/// checks every stored checkpoint: signature and origin up front, then the root at each
/// checkpoint's size as the leaves stream past. Feed leaves with <see cref="Append"/> (for example
/// from an async database query) and finish with <see cref="Complete"/>. Because every checkpoint
/// is checked against the same leaf sequence, matching roots also prove the checkpoints are
/// mutually consistent. Stops at the first inconsistency. Not thread-safe.
/// </summary>
public sealed class AuditLogVerifier
{
    private readonly List<Checkpoint> checkpoints = [];
    private readonly RootCalculator calculator = new();
    private AuditLogResult? failure;
    private int nextCheckpoint;

    /// <summary>
    /// Opens every stored checkpoint (oldest first) with the region's verifier. Signatures are checked
    /// on every core (a log has a checkpoint per sequencing pass, so there can be many); the first
    /// problem in storage order is the one reported.
    /// </summary>
    public AuditLogVerifier(string origin, NoteVerifier verifier, IEnumerable<string> signedCheckpoints)
    {
        ArgumentNullException.ThrowIfNull(origin);
        ArgumentNullException.ThrowIfNull(verifier);
        ArgumentNullException.ThrowIfNull(signedCheckpoints);
        var notes = signedCheckpoints as IReadOnlyList<string> ?? [.. signedCheckpoints];
        var opened = new CheckpointOpenResult[notes.Count];
        Parallel.For(0, notes.Count, i => opened[i] = Checkpoint.Open(notes[i], verifier));
        for (int position = 0; position < opened.Length; position++)
        {
            if (!opened[position].IsValid)
            {
                failure = Fail(AuditProblem.CheckpointInvalid, $"Stored checkpoint #{position} is rejected: {opened[position].Detail}", null, null);
                return;
            }

            var checkpoint = opened[position].Checkpoint!;
            if (checkpoint.Origin != origin)
            {
                failure = Fail(AuditProblem.CheckpointOriginMismatch, $"Stored checkpoint #{position} (size {checkpoint.Size}) is for \"{checkpoint.Origin}\", not \"{origin}\".", null, checkpoint.Size);
                return;
            }

            if (checkpoints.Count > 0 && checkpoint.Size < checkpoints[^1].Size)
            {
                failure = Fail(AuditProblem.CheckpointSizeDecreased, $"Stored checkpoint #{position} has size {checkpoint.Size}, smaller than the earlier {checkpoints[^1].Size}.", null, checkpoint.Size);
                return;
            }

            checkpoints.Add(checkpoint);
        }
    }

    /// <summary>The tree size of the largest validly signed checkpoint opened so far (0 when none).</summary>
    public long LargestCheckpointSize => checkpoints.Count > 0 ? checkpoints[^1].Size : 0;

    /// <summary>
    /// Appends the leaf at <paramref name="index"/>. When the event is not shredded pass its
    /// <paramref name="salt"/> and <paramref name="eventHash"/> to reopen the commitment. Returns the
    /// first problem found so far (and keeps returning it), or null.
    /// </summary>
    public AuditLogResult? Append(long index, ReadOnlySpan<byte> commitment, ReadOnlySpan<byte> salt = default, ReadOnlySpan<byte> eventHash = default)
    {
        if (failure is not null)
        {
            return failure;
        }

        if (index != calculator.Size)
        {
            return failure = Fail(AuditProblem.LeafIndexGap, $"Expected leaf {calculator.Size}, found leaf {index}.", calculator.Size, null);
        }

        if (commitment.Length != LeafCommitment.Size)
        {
            return failure = Fail(AuditProblem.CommitmentMismatch, $"Leaf {index} has a {commitment.Length}-byte commitment, not 32 bytes.", index, null);
        }

        if (!salt.IsEmpty || !eventHash.IsEmpty)
        {
            if (salt.Length != LeafCommitment.SaltSize || eventHash.Length != 32
                || !CryptographicOperations.FixedTimeEquals(LeafCommitment.FromEventHash(salt, eventHash), commitment))
            {
                return failure = Fail(AuditProblem.CommitmentMismatch, $"Leaf {index}: the stored event does not produce the stored commitment.", index, null);
            }
        }

        // Checkpoints at the current size are checked before the tree grows past it.
        CheckCheckpointsAtCurrentSize();
        if (failure is not null)
        {
            return failure;
        }

        calculator.AppendLeafData(commitment);
        return null;
    }

    /// <summary>
    /// Appends consecutive leaves from <paramref name="firstIndex"/>, given as their 32-byte commitments back to back:
    /// the same checks as <see cref="Append"/> for each, in order, but their leaf hashes (SHA-256(0x00 || commitment))
    /// are computed on every core first. Only the fold into the tree, which is a few node hashes per leaf, runs in
    /// order. Returns the first problem, or null.
    /// </summary>
    public AuditLogResult? AppendRange(long firstIndex, ReadOnlyMemory<byte> commitments)
    {
        if (commitments.Length % LeafCommitment.Size != 0)
        {
            throw new ArgumentException($"Commitments are {LeafCommitment.Size} bytes each.", nameof(commitments));
        }

        if (failure is not null || commitments.IsEmpty)
        {
            return failure;
        }

        if (firstIndex != calculator.Size)
        {
            return failure = Fail(AuditProblem.LeafIndexGap, $"Expected leaf {calculator.Size}, found leaf {firstIndex}.", calculator.Size, null);
        }

        int count = commitments.Length / LeafCommitment.Size;
        var hashes = System.Buffers.ArrayPool<byte>.Shared.Rent(count * MerkleHash.Size);
        try
        {
            Parallel.For(0, (count + HashSlice - 1) / HashSlice, slice =>
            {
                int end = Math.Min(count, (slice + 1) * HashSlice);
                for (int i = slice * HashSlice; i < end; i++)
                {
                    MerkleHash.Leaf(commitments.Span.Slice(i * LeafCommitment.Size, LeafCommitment.Size), hashes.AsSpan(i * MerkleHash.Size, MerkleHash.Size));
                }
            });
            for (int i = 0; i < count; i++)
            {
                CheckCheckpointsAtCurrentSize();
                if (failure is not null)
                {
                    return failure;
                }

                calculator.AppendLeafHash(hashes.AsSpan(i * MerkleHash.Size, MerkleHash.Size));
            }

            return null;
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(hashes);
        }
    }

    /// <summary>Leaves hashed per parallel work item (large enough that scheduling costs little next to the hashing).</summary>
    private const int HashSlice = 1024;

    /// <summary>Finishes: checks the checkpoints at the final size and any beyond the stored leaves.</summary>
    public AuditLogResult Complete()
    {
        if (failure is not null)
        {
            return failure;
        }

        CheckCheckpointsAtCurrentSize();
        if (failure is not null)
        {
            return failure;
        }

        if (nextCheckpoint < checkpoints.Count)
        {
            var beyond = checkpoints[nextCheckpoint];
            return failure = Fail(AuditProblem.CheckpointBeyondLog, $"A checkpoint commits to {beyond.Size} leaves but only {calculator.Size} are stored.", calculator.Size, beyond.Size);
        }

        return new AuditLogResult(AuditProblem.None, $"{calculator.Size} leaves and {nextCheckpoint} checkpoints are consistent.", null, null, calculator.Size, nextCheckpoint, calculator.RootHash());
    }

    private void CheckCheckpointsAtCurrentSize()
    {
        byte[]? root = null;
        while (nextCheckpoint < checkpoints.Count && checkpoints[nextCheckpoint].Size == calculator.Size)
        {
            root ??= calculator.RootHash();
            var checkpoint = checkpoints[nextCheckpoint];
            if (!CryptographicOperations.FixedTimeEquals(root, checkpoint.RootHash.Span))
            {
                failure = Fail(AuditProblem.CheckpointRootMismatch, $"The checkpoint at size {checkpoint.Size} has root {Convert.ToBase64String(checkpoint.RootHash.Span)}, but the stored leaves give {Convert.ToBase64String(root)}.", null, checkpoint.Size);
                return;
            }

            nextCheckpoint++;
        }
    }

    private AuditLogResult Fail(AuditProblem problem, string detail, long? leafIndex, long? checkpointSize) =>
        new(problem, detail, leafIndex, checkpointSize, calculator.Size, nextCheckpoint, null);
}
