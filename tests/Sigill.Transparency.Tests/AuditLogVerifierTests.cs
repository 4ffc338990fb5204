using System.Security.Cryptography;

namespace Sigill.Transparency.Tests;

public sealed class AuditLogVerifierTests
{
    private const string Origin = "sigill.example/0d9b7c1e/audit/us";
    private static readonly byte[] Seed = [.. Enumerable.Repeat((byte)0x33, 32)];

    [Fact]
    public void A_consistent_log_with_checkpoints_at_several_sizes_verifies()
    {
        var log = new Log(100);
        var result = log.Verify(log.Checkpoints(0, 1, 37, 37, 64, 100));
        Assert.True(result.IsValid, result.Detail);
        Assert.Equal(100, result.LeavesVerified);
        Assert.Equal(6, result.CheckpointsVerified);
        Assert.Equal(log.Tree.RootHash(), result.RootHash);
    }

    [Fact]
    public void A_shredded_event_without_salt_still_verifies_through_its_commitment()
    {
        var log = new Log(10);
        log.Shredded.Add(4);
        Assert.True(log.Verify(log.Checkpoints(10)).IsValid);
    }

    [Fact]
    public void An_edited_event_is_reported_at_its_leaf_index()
    {
        var log = new Log(50);
        log.EventHashes[17][0] ^= 1;
        var result = log.Verify(log.Checkpoints(50));
        Assert.Equal(AuditProblem.CommitmentMismatch, result.Problem);
        Assert.Equal(17, result.LeafIndex);
    }

    [Fact]
    public void A_replaced_commitment_is_reported_at_the_first_checkpoint_after_it()
    {
        var log = new Log(50);
        log.Shredded.Add(20);
        log.Commitments[20] = RandomNumberGenerator.GetBytes(32);
        var result = log.Verify(log.Checkpoints(10, 20, 21, 50));
        Assert.Equal(AuditProblem.CheckpointRootMismatch, result.Problem);
        Assert.Equal(21, result.CheckpointSize);
        Assert.Equal(2, result.CheckpointsVerified);
    }

    [Fact]
    public void A_deleted_event_is_reported_as_a_gap()
    {
        var log = new Log(30);
        log.Deleted.Add(12);
        var result = log.Verify(log.Checkpoints(30));
        Assert.Equal(AuditProblem.LeafIndexGap, result.Problem);
        Assert.Equal(12, result.LeafIndex);
    }

    [Fact]
    public void A_truncated_log_is_reported_against_the_checkpoint_beyond_it()
    {
        var log = new Log(30);
        var checkpoints = log.Checkpoints(20, 30);
        log.Truncate = 25;
        var result = log.Verify(checkpoints);
        Assert.Equal(AuditProblem.CheckpointBeyondLog, result.Problem);
        Assert.Equal(30, result.CheckpointSize);
    }

    [Fact]
    public void A_forged_unsigned_or_foreign_checkpoint_is_reported_before_any_leaf()
    {
        var log = new Log(5);
        using var forger = NoteSigner.Generate(Origin);
        using var other = new NoteSigner("sigill.example/0d9b7c1e/audit/eu", Seed);
        var forged = new Checkpoint(Origin, 5, log.Tree.RootHash()).Sign(forger);
        var foreign = new Checkpoint("sigill.example/0d9b7c1e/audit/eu", 5, log.Tree.RootHash()).Sign(log.Signer);
        Assert.Equal(AuditProblem.CheckpointInvalid, log.Verify([.. log.Checkpoints(2), forged]).Problem);
        Assert.Equal(AuditProblem.CheckpointOriginMismatch, log.Verify([foreign]).Problem);
        Assert.Equal(AuditProblem.CheckpointSizeDecreased, log.Verify(log.Checkpoints(4, 3)).Problem);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(1024)]
    [InlineData(3000)]
    public void Ranges_of_leaves_give_the_same_tree_and_checkpoint_checks_as_single_leaves(int range)
    {
        var log = new Log(3000);
        var sizes = new[] { 1, 1023, 1024, 1025, 2047, 3000 };
        var result = log.VerifyInRanges(log.Checkpoints(sizes), range);
        Assert.True(result.IsValid, result.Detail);
        Assert.Equal(log.Tree.RootHash(), result.RootHash);
        Assert.Equal(sizes.Length, result.CheckpointsVerified);

        // A replaced commitment in the middle of a range is caught at the first checkpoint after it.
        log.Commitments[1500] = RandomNumberGenerator.GetBytes(32);
        var tampered = log.VerifyInRanges(log.Checkpoints(sizes), range);
        Assert.Equal(AuditProblem.CheckpointRootMismatch, tampered.Problem);
        Assert.Equal(2047, tampered.CheckpointSize);
        Assert.Equal(4, tampered.CheckpointsVerified);
    }

    [Fact]
    public void A_range_that_does_not_start_where_the_tree_ends_is_a_gap()
    {
        var log = new Log(10);
        var verifier = new AuditLogVerifier(Origin, log.Signer.ToVerifier(), log.Checkpoints(10));
        Assert.Null(verifier.AppendRange(0, log.Commitments.Take(4).SelectMany(c => c).ToArray()));
        var gap = verifier.AppendRange(5, log.Commitments.Skip(5).SelectMany(c => c).ToArray());
        Assert.Equal(AuditProblem.LeafIndexGap, gap?.Problem);
        Assert.Equal(4, gap?.LeafIndex);
        Assert.Throws<ArgumentException>(() => new AuditLogVerifier(Origin, log.Signer.ToVerifier(), []).AppendRange(0, new byte[33]));
    }

    private sealed class Log
    {
        public Log(int size)
        {
            for (int i = 0; i < size; i++)
            {
                var salt = RandomNumberGenerator.GetBytes(32);
                var eventHash = SHA256.HashData(BitConverter.GetBytes(i));
                Salts.Add(salt);
                EventHashes.Add(eventHash);
                Commitments.Add(LeafCommitment.FromEventHash(salt, eventHash));
                Tree.AppendLeafData(Commitments[i]);
            }
        }

        public NoteSigner Signer { get; } = new(Origin, Seed);

        public MerkleTree Tree { get; } = new();

        public List<byte[]> Salts { get; } = [];

        public List<byte[]> EventHashes { get; } = [];

        public List<byte[]> Commitments { get; } = [];

        public HashSet<int> Shredded { get; } = [];

        public HashSet<int> Deleted { get; } = [];

        public int? Truncate { get; set; }

        public string[] Checkpoints(params int[] sizes) =>
            [.. sizes.Select(s => new Checkpoint(Origin, s, Tree.RootHash(s)).Sign(Signer))];

        public AuditLogResult VerifyInRanges(IEnumerable<string> checkpoints, int range)
        {
            var verifier = new AuditLogVerifier(Origin, Signer.ToVerifier(), checkpoints);
            for (int first = 0; first < Commitments.Count; first += range)
            {
                var commitments = Commitments.Skip(first).Take(range).SelectMany(c => c).ToArray();
                if (verifier.AppendRange(first, commitments) is { } problem)
                {
                    return problem;
                }
            }

            return verifier.Complete();
        }

        public AuditLogResult Verify(IEnumerable<string> checkpoints)
        {
            var verifier = new AuditLogVerifier(Origin, Signer.ToVerifier(), checkpoints);
            for (int i = 0; i < (Truncate ?? Commitments.Count); i++)
            {
                if (Deleted.Contains(i))
                {
                    continue;
                }

                var problem = Shredded.Contains(i)
                    ? verifier.Append(i, Commitments[i])
                    : verifier.Append(i, Commitments[i], Salts[i], EventHashes[i]);
                if (problem is not null)
                {
                    return problem;
                }
            }

            return verifier.Complete();
        }
    }
}
