namespace Sigill.Hostile;

public static partial class HostileCorpus
{
    /// <summary>Decompression bombs, active content, malformed structures and impossible page data.</summary>
    public static IEnumerable<HostileCase> Pdfs() => [];
}
