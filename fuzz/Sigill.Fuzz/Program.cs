using Sigill.Fuzz;
using SharpFuzz;

// sigill-fuzz <target>              run under afl-fuzz (bench/fuzz.sh): one input per execution from afl, out of process
// sigill-fuzz replay <target> <dir> run every file of <dir> through <target>, in this process; exit 1 on the first crash
// sigill-fuzz seed <dir>            write the seed corpus, made by code, to <dir>/<target>/
if (args is ["seed", var seedDirectory])
{
    foreach (var (target, name, bytes) in Harnesses.Seeds())
    {
        Directory.CreateDirectory(Path.Combine(seedDirectory, target));
        File.WriteAllBytes(Path.Combine(seedDirectory, target, name), bytes);
    }
    return 0;
}
if (args is ["replay", var replayTarget, var inputs] && Harnesses.Targets.TryGetValue(replayTarget, out var replay))
{
    foreach (var file in Directory.GetFiles(inputs).Order(StringComparer.Ordinal))
    {
        try
        {
            replay(File.ReadAllBytes(file));
        }
        catch (Exception e)
        {
            Console.Error.WriteLine($"{file}: {e}");
            return 1;
        }
    }
    return 0;
}
if (args is [var targetName] && Harnesses.Targets.TryGetValue(targetName, out var harness))
{
    Fuzzer.OutOfProcess.Run(stream =>
    {
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        harness(buffer.ToArray());
    });
    return 0;
}
Console.Error.WriteLine("usage: Sigill.Fuzz <target> | replay <target> <dir> | seed <dir>; targets: " + string.Join(", ", Harnesses.Targets.Keys));
return 2;
