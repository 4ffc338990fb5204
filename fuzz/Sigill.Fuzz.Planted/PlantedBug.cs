namespace Sigill.Fuzz.Planted;

/// <summary>
/// The fuzzer's self-test (issue 20: a fuzzer that cannot find a planted bug proves nothing): a crash behind four
/// bytes compared one at a time. Its seed ("SGLA") has the first three, and bench/fuzz.sh runs this harness with afl's
/// deterministic stages, whose two-bit flip at the last byte gives '!' within the first few hundred executions: the
/// self-test shows afl runs the harness and reports what crashes it, without depending on random mutation's luck.
/// In its own assembly so bench/fuzz.sh can instrument it like Sigill's own; no product code uses it.
/// </summary>
public static class PlantedBug
{
    public static void Check(ReadOnlySpan<byte> input)
    {
        if (input.Length >= 4 && input[0] == 'S')
        {
            if (input[1] == 'G')
            {
                if (input[2] == 'L')
                {
                    if (input[3] == '!') throw new InvalidOperationException("planted: the fuzzer found it");
                }
            }
        }
    }
}
