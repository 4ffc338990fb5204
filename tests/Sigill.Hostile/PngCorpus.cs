namespace Sigill.Hostile;

public static partial class HostileCorpus
{
    /// <summary>Drawn-signature PNGs that are broken or too expensive to decode.</summary>
    public static IEnumerable<HostileCase> Pngs() => [];
}
