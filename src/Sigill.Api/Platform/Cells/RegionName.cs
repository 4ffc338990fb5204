namespace Sigill.Api.Platform.Cells;

/// <summary>Region names are short lower-case ASCII words (us, eu, ca-central): they appear in paths and identifiers.</summary>
public static class RegionName
{
    public static bool IsWellFormed(string? value) =>
        !string.IsNullOrEmpty(value) && value.Length is >= 2 and <= 16
        && value.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-')
        && value[0] is >= 'a' and <= 'z' && value[^1] != '-';
}
