namespace Sigill.Hostile;

public static partial class HostileCorpus
{
    /// <summary>Liquid bodies that cost too much (steps, output, string size, recursion, time) or use refused tags.</summary>
    public static IEnumerable<HostileCase> Templates() => [];
}
