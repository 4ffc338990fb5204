using System.Text;

namespace Sigill.Hostile;

/// <summary>Every hostile case Sigill knows, by target. Each family lives in its own file.</summary>
public static partial class HostileCorpus
{
    public static IEnumerable<HostileCase> All() => Pdfs().Concat(Templates()).Concat(Pngs());

    private static string Repeat(string text, int times) => new StringBuilder(text.Length * times).Insert(0, text, times).ToString();
}
