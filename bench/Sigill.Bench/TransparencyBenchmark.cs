using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using Sigill.Transparency;

namespace Sigill.Bench;

/// <summary>
/// Audit-log budgets from the issue: full verification of 1,000,000 events in at most 10 s, and an
/// inclusion proof in at most 1 ms at p99. Synthetic events stand in for stored ones; the timed
/// verification path is the one `audit verify` runs (open each commitment from salt and event hash,
/// hash the leaf, fold into a streaming root). A raw SHA-256 pass over the same leaf inputs, timed
/// in the same run, shows how much of the cost is irreducible hashing on this machine.
/// </summary>
public static class TransparencyBenchmark
{
    private static readonly TimeSpan VerifyBudget = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan ProofBudget = TimeSpan.FromMilliseconds(1);

    /// <summary>
    /// Runs the benchmark on 1,000,000 leaves; returns 0 when both budgets hold, 1 otherwise. With <paramref name="smoke"/>
    /// the same path runs on 10,000 leaves, budgets are printed but not judged, and only a wrong root or proof returns 1.
    /// </summary>
    public static Task<int> RunAsync(TextWriter output, bool smoke, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(output);
        return Task.Run(() => Run(output, smoke, smoke ? 10_000 : 1_000_000, smoke ? 1_000 : 10_000, ct), ct);
    }

    private static int Run(TextWriter output, bool smoke, int leaves, int proofSamples, CancellationToken ct)
    {
        // Synthetic stored events: 32-byte salt and SHA-256 of the canonical event bytes each.
        var salts = new byte[leaves * 32];
        var eventHashes = new byte[leaves * 32];
        var commitments = new byte[leaves * 32];
        Span<byte> eventBytes = stackalloc byte[160];
        for (int i = 0; i < leaves; i++)
        {
            BinaryPrimitives.WriteInt32BigEndian(eventBytes, i);
            SHA256.HashData(eventBytes[..4], salts.AsSpan(i * 32, 32));
            SHA256.HashData(eventBytes, eventHashes.AsSpan(i * 32, 32));
            LeafCommitment.FromEventHash(salts.AsSpan(i * 32, 32), eventHashes.AsSpan(i * 32, 32), commitments.AsSpan(i * 32, 32));
        }

        ct.ThrowIfCancellationRequested();

        // Warm every timed loop up first so tiered JIT does not bill the first measurement.
        Span<byte> scratch = stackalloc byte[32];
        var warm = new RootCalculator();
        for (int i = 0; i < Math.Min(50_000, leaves); i++)
        {
            SHA256.HashData(commitments.AsSpan(i * 32, 32), scratch);
            LeafCommitment.FromEventHash(salts.AsSpan(i * 32, 32), eventHashes.AsSpan(i * 32, 32), scratch);
            warm.AppendLeafData(scratch);
        }

        // Baseline: one raw SHA-256 per leaf input, nothing else.
        var baseline = Stopwatch.StartNew();
        for (int i = 0; i < leaves; i++)
        {
            SHA256.HashData(commitments.AsSpan(i * 32, 32), scratch);
        }

        baseline.Stop();

        // Root from the 1,000,000 leaf inputs (leaf hashing included).
        var fromInputs = Stopwatch.StartNew();
        var calculator = new RootCalculator();
        for (int i = 0; i < leaves; i++)
        {
            calculator.AppendLeafData(commitments.AsSpan(i * 32, 32));
        }

        var root = calculator.RootHash();
        fromInputs.Stop();
        ct.ThrowIfCancellationRequested();

        // Full verification path: recompute each commitment from (salt, event hash), compare with
        // the stored one, hash the leaf, fold, compare the root.
        var full = Stopwatch.StartNew();
        var verifier = new RootCalculator();
        Span<byte> commitment = stackalloc byte[32];
        int mismatches = 0;
        for (int i = 0; i < leaves; i++)
        {
            LeafCommitment.FromEventHash(salts.AsSpan(i * 32, 32), eventHashes.AsSpan(i * 32, 32), commitment);
            if (!commitment.SequenceEqual(commitments.AsSpan(i * 32, 32)))
            {
                mismatches++;
            }

            verifier.AppendLeafData(commitment);
        }

        bool rootMatches = verifier.RootHash().AsSpan().SequenceEqual(root);
        full.Stop();
        ct.ThrowIfCancellationRequested();

        // In-memory tree for serving proofs.
        var build = Stopwatch.StartNew();
        var tree = new MerkleTree();
        for (int i = 0; i < leaves; i++)
        {
            tree.AppendLeafData(commitments.AsSpan(i * 32, 32));
        }

        build.Stop();
        bool treeMatches = tree.RootHash().AsSpan().SequenceEqual(root);

        // Inclusion proof generation + verification latency over random indices.
        var ticks = new long[proofSamples];
        int failures = 0;
        for (int warmup = 0; warmup < Math.Min(1000, leaves); warmup++)
        {
            _ = tree.InclusionProof(warmup, leaves);
        }

        for (int s = 0; s < proofSamples; s++)
        {
            int index = RandomNumberGenerator.GetInt32(leaves);
            long start = Stopwatch.GetTimestamp();
            var proof = tree.InclusionProof(index, leaves);
            var leafHash = tree.LeafHash(index);
            bool ok = MerkleVerifier.VerifyInclusion(leafHash, index, leaves, proof, root);
            ticks[s] = Stopwatch.GetTimestamp() - start;
            failures += ok ? 0 : 1;
        }

        Array.Sort(ticks);
        var p50 = Stopwatch.GetElapsedTime(0, ticks[proofSamples / 2]);
        var p99 = Stopwatch.GetElapsedTime(0, ticks[(proofSamples * 99 / 100) - 1]);
        var max = Stopwatch.GetElapsedTime(0, ticks[^1]);

        var ci = CultureInfo.InvariantCulture;
        output.WriteLine(string.Create(ci, $"transparency: {leaves:N0} leaves, {Environment.ProcessorCount} cores"));
        output.WriteLine(string.Create(ci, $"  baseline raw SHA-256 over the leaf inputs: {baseline.Elapsed.TotalMilliseconds,8:F0} ms"));
        output.WriteLine(string.Create(ci, $"  root from leaf inputs (leaf + node hashes): {fromInputs.Elapsed.TotalMilliseconds,8:F0} ms ({fromInputs.Elapsed / baseline.Elapsed:F2}x baseline)"));
        output.WriteLine(string.Create(ci, $"  full verification (commitment + leaf + root): {full.Elapsed.TotalMilliseconds,8:F0} ms (budget {VerifyBudget.TotalMilliseconds:F0} ms)"));
        output.WriteLine(string.Create(ci, $"  in-memory tree build: {build.Elapsed.TotalMilliseconds,8:F0} ms"));
        output.WriteLine(string.Create(ci, $"  inclusion proof generate+verify over {proofSamples:N0} random leaves: p50 {p50.TotalMicroseconds:F1} us, p99 {p99.TotalMicroseconds:F1} us, max {max.TotalMicroseconds:F1} us (budget p99 {ProofBudget.TotalMicroseconds:F0} us)"));

        bool correct = mismatches == 0 && rootMatches && treeMatches && failures == 0;
        if (!correct)
        {
            output.WriteLine(string.Create(ci, $"  FAILED correctness: {mismatches} commitment mismatches, root match {rootMatches}, tree match {treeMatches}, {failures} proof failures"));
        }

        bool withinBudget = full.Elapsed <= VerifyBudget && p99 <= ProofBudget;
        if (smoke)
        {
            output.WriteLine(correct ? "  smoke run, budgets not judged" : "  INCORRECT");
            return correct ? 0 : 1;
        }
        output.WriteLine(withinBudget && correct ? "  within budget" : "  OVER BUDGET OR INCORRECT");
        return withinBudget && correct ? 0 : 1;
    }
}
