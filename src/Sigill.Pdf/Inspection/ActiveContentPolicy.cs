using Sigill.Pdf.Syntax;

namespace Sigill.Pdf.Inspection;

/// <summary>
/// docs/pdf-policy.md as code: what in a PDF can run, fetch, launch, submit or carry a file, and is
/// therefore refused wherever it appears. The checks look at one value at a time and need no context
/// (an action is judged by its /S wherever the dictionary sits, because viewers do not check where they
/// found it), except /OpenAction, which may only go to a place in the document. Keys of resource
/// dictionaries (/Font, /XObject, …) are names a producer chose, so they are not taken for keys here.
/// </summary>
internal static class ActiveContentPolicy
{
    /// <summary>Keys refused wherever they appear, with what they mean.</summary>
    private static readonly Dictionary<string, string> RefusedKeys = new(StringComparer.Ordinal)
    {
        ["JS"] = "JavaScript (/JS)",
        ["JavaScript"] = "document JavaScript (/JavaScript)",
        ["AA"] = "automatic actions (/AA)",
        ["EmbeddedFiles"] = "embedded files (/EmbeddedFiles)",
        ["EF"] = "an embedded file (/EF)",
        ["RF"] = "embedded related files (/RF)",
        ["Collection"] = "a portfolio of embedded files (/Collection)",
        ["XFA"] = "an XFA form (/XFA)",
        ["AlternatePresentations"] = "alternate presentations (/AlternatePresentations)",
        ["Renditions"] = "media renditions (/Renditions)",
    };

    /// <summary>Every action type of ISO 32000 except GoTo (a place in this document) and URI (a web or mail link).</summary>
    private static readonly HashSet<string> RefusedActions = new(StringComparer.Ordinal)
    {
        "GoToR", "GoToE", "GoToDp", "Launch", "Thread", "Sound", "Movie", "Hide", "Named", "SubmitForm", "ResetForm",
        "ImportData", "JavaScript", "ECMAScript", "SetOCGState", "Rendition", "Trans", "GoTo3DView", "RichMediaExecute",
    };

    /// <summary>Annotation and XObject subtypes that carry files, media, 3D or code.</summary>
    private static readonly Dictionary<string, string> RefusedSubtypes = new(StringComparer.Ordinal)
    {
        ["FileAttachment"] = "a file attachment (/FileAttachment)",
        ["RichMedia"] = "rich media (/RichMedia)",
        ["3D"] = "3D content (/3D)",
        ["U3D"] = "3D content (/U3D)",
        ["PRC"] = "3D content (/PRC)",
        ["Sound"] = "a sound (/Sound)",
        ["Movie"] = "a movie (/Movie)",
        ["Screen"] = "a media screen (/Screen)",
        ["PS"] = "PostScript (/PS)",
    };

    /// <summary>Dictionaries whose keys are resource names chosen by the producer.</summary>
    private static readonly HashSet<string> ResourceCategories = new(StringComparer.Ordinal)
    {
        "Font", "XObject", "ExtGState", "ColorSpace", "Pattern", "Shading", "Properties",
    };

    /// <summary>The only action types kept.</summary>
    private static readonly HashSet<string> KeptActions = new(StringComparer.Ordinal) { "GoTo", "URI" };

    /// <summary>The only link schemes kept.</summary>
    private static readonly string[] LinkSchemes = ["http:", "https:", "mailto:"];

    /// <summary>Every name that marks refused content, for bytes outside any readable object.</summary>
    public static readonly IReadOnlySet<string> RefusedNames =
        RefusedKeys.Keys.Concat(RefusedActions).Concat(RefusedSubtypes.Keys).Append("EmbeddedFile").ToHashSet(StringComparer.Ordinal);

    /// <summary>What refused content the value holds, or null; references are followed only for /OpenAction, /A, /Next and /URI.</summary>
    public static string? Find(object value, PdfFile file) => Find(value, file, keysAreResourceNames: false);

    /// <summary>Says what a refused name found outside any object stands for.</summary>
    public static string DescribeName(string name) =>
        RefusedKeys.TryGetValue(name, out var key) ? key
        : RefusedSubtypes.TryGetValue(name, out var subtype) ? subtype
        : RefusedActions.Contains(name) ? Action(name)
        : $"/{name}";

    private static string Action(string type) =>
        $"{(type.Length > 0 && "AEIOU".Contains(type[0], StringComparison.Ordinal) ? "an" : "a")} {Shown(type)} action (/S /{Shown(type)})";

    private static string Shown(string name) => name.Length > 40 ? name[..40] : name;

    private static string? Find(object value, PdfFile file, bool keysAreResourceNames)
    {
        switch (value)
        {
            case PdfStream stream:
                return Find(stream.Dict, file, false);
            case PdfArray array:
                foreach (var item in array)
                {
                    if (Find(item, file, false) is { } found) return found;
                }
                return null;
            case PdfDict dict:
                foreach (var (key, v) in dict)
                {
                    if (!keysAreResourceNames && Judge(dict, key, v, file) is { } found) return found;
                    if (Find(v, file, ResourceCategories.Contains(key) && !keysAreResourceNames) is { } inner) return inner;
                }
                return null;
            default:
                return null;
        }
    }

    private static string? Judge(PdfDict dict, string key, object value, PdfFile file)
    {
        if (RefusedKeys.TryGetValue(key, out var why)) return why;
        switch (key)
        {
            case "S" when value is PdfName { Value: var action } && RefusedActions.Contains(action):
                return Action(action);
            case "S" when value is PdfName { Value: "URI" }:
                return RefusedLink(Resolve(file, dict.Get("URI")));
            case "Subtype" when value is PdfName { Value: var subtype } && RefusedSubtypes.TryGetValue(subtype, out var what):
                return what;
            case "Type" when value is PdfName { Value: "EmbeddedFile" }:
                return "an embedded file (/Type /EmbeddedFile)";
            case "Type" when value is PdfName { Value: "Action" } && dict.GetName("S") is { } type && !KeptActions.Contains(type):
                return Action(type);
            case "A" or "Next":
                // Where an action sits, a type that is not kept is refused even if the standard does not name it yet.
                foreach (var action in Resolve(file, value) is PdfArray chain ? chain.Select(a => Resolve(file, a)) : [Resolve(file, value)])
                {
                    if (action is PdfDict d && d.GetName("S") is { } s && !KeptActions.Contains(s)) return Action(s);
                }
                return null;
            case "OpenAction":
                return Resolve(file, value) switch
                {
                    PdfDict action when action.GetName("S") is var s && s != "GoTo" => $"an action run when the document opens (/OpenAction /S /{s ?? "?"})",
                    _ => null, // a destination array, or a GoTo action
                };
            default:
                return null;
        }
    }

    /// <summary>A URI action is kept only for http, https and mailto; javascript:, file: and the rest are refused.</summary>
    private static string? RefusedLink(object? uri)
    {
        if (uri is not PdfString s) return null; // not a link any viewer can follow
        var text = s.DecodeText().TrimStart();
        foreach (var scheme in LinkSchemes)
        {
            if (text.StartsWith(scheme, StringComparison.OrdinalIgnoreCase)) return null;
        }
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        var shown = colon is > 0 and <= 20 ? text[..(colon + 1)] : "a relative or unknown";
        return $"a link to a {shown} address (/URI); only http, https and mailto links are kept";
    }

    /// <summary>Follows a reference for a judgement; one that cannot be read is judged as absent (viewers cannot follow it either).</summary>
    private static object? Resolve(PdfFile file, object? value)
    {
        try
        {
            return file.Resolve(value);
        }
        catch (PdfFormatException)
        {
            file.Budget.Damaged();
            return null;
        }
    }
}
