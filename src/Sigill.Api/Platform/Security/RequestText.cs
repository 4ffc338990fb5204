using System.Collections.Frozen;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using Sigill.Api.Platform.Errors;

namespace Sigill.Api.Platform.Security;

/// <summary>What a piece of request text is allowed to hold.</summary>
internal enum TextKind
{
    /// <summary>Names, titles, addresses, identifiers: one line of visible text.</summary>
    SingleLine,

    /// <summary>Messages, reasons and template bodies: lines (LF, CR, TAB), but no other control character.</summary>
    MultiLine,

    /// <summary>Passwords: hashed and compared, never shown or stored as text, so taken exactly as typed.</summary>
    Opaque,
}

/// <summary>A text field of a request holds a character its kind refuses.</summary>
internal sealed class TextRefusedException(string field, string reason) : Exception($"{field}: {reason}")
{
    public string Field { get; } = field;
}

/// <summary>
/// The API boundary's rule for text, in one place: every string a request body carries (JSON, at any depth: properties,
/// list items, dictionary keys and values; and the upload form's title) is checked as it is read, before a handler
/// sees it, and a refused character is a 400 <c>validation_failed</c> naming the field and the character. Refused, not
/// silently changed, so that what is stored is exactly what the client sent.
/// <list type="bullet">
/// <item>Everywhere: NUL and every other C0 control except the line characters below, DEL and the C1 controls
/// (U+007F–U+009F), the line and paragraph separators (U+2028, U+2029), the bidirectional embeddings, overrides and
/// isolates (U+202A–U+202E, U+2066–U+2069: they reorder how a name or title displays, in the app, in e-mails and in
/// sealed PDFs), unpaired surrogates and the noncharacters U+FFFE and U+FFFF.</item>
/// <item>Single-line text (the default): also LF, CR and TAB. A name or title with a line break can forge lines in an
/// e-mail or a certificate of completion.</item>
/// <item>Multi-line text keeps LF, CR and TAB: the JSON properties named in <see cref="MultiLineFields"/>.</item>
/// <item>Kept: the bidirectional marks U+200E, U+200F and U+061C (they only nudge neutral characters, and right-to-left
/// text needs them), zero-width joiners, and any other printable character.</item>
/// </list>
/// </summary>
internal static class RequestText
{
    /// <summary>Request properties, by their JSON names, whose text may span lines: send messages, void and decline reasons, Liquid
    /// template and content block bodies, support justifications.</summary>
    public static readonly FrozenSet<string> MultiLineFields = FrozenSet.Create(StringComparer.Ordinal, "message", "reason", "body", "justification");

    /// <summary>Passwords are taken as typed (they are only hashed and compared).</summary>
    public static readonly FrozenSet<string> OpaqueFields = FrozenSet.Create(StringComparer.Ordinal, "password", "currentPassword", "newPassword");

    public static TextKind KindOf(string field) =>
        MultiLineFields.Contains(field) ? TextKind.MultiLine : OpaqueFields.Contains(field) ? TextKind.Opaque : TextKind.SingleLine;

    /// <summary>Why <paramref name="value"/> is refused as <paramref name="kind"/> text, or null when it is fine.</summary>
    public static string? Problem(string value, TextKind kind)
    {
        if (kind == TextKind.Opaque) return null;
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
            {
                i++;
                continue;
            }
            var reason = c switch
            {
                '\0' => "NUL (U+0000) is not allowed",
                '\n' or '\r' or '\t' when kind == TextKind.MultiLine => null,
                '\n' or '\r' => $"a line break (U+{(int)c:X4}) is not allowed here; this field is a single line",
                < ' ' or (>= '\u007F' and <= '\u009F') => $"the control character U+{(int)c:X4} is not allowed",
                '\u2028' or '\u2029' => $"the line separator U+{(int)c:X4} is not allowed",
                (>= '\u202A' and <= '\u202E') or (>= '\u2066' and <= '\u2069') => $"the bidirectional control U+{(int)c:X4} is not allowed (it reorders how text displays)",
                '\uFFFE' or '\uFFFF' => $"the noncharacter U+{(int)c:X4} is not allowed",
                _ when char.IsSurrogate(c) => "an unpaired surrogate (broken UTF-16) is not allowed",
                _ => null,
            };
            if (reason is not null) return reason;
        }
        return null;
    }

    /// <summary>Throws <see cref="TextRefusedException"/> when <paramref name="value"/> is refused as text of the field <paramref name="field"/>.</summary>
    public static void Check(string field, string? value, TextKind? kind = null)
    {
        if (value is not null && Problem(value, kind ?? KindOf(field)) is { } reason) throw new TextRefusedException(field, reason);
    }

    /// <summary>
    /// A System.Text.Json contract modifier: each object read from a request body checks its text properties once it is
    /// built (<see cref="JsonTypeInfo.OnDeserialized"/>), so constructor-bound records are covered and the OpenAPI schema
    /// is unchanged (a custom string converter would hide every string's type from it).
    /// </summary>
    public static void Modifier(JsonTypeInfo info)
    {
        if (info.Kind != JsonTypeInfoKind.Object) return;
        var checks = info.Properties
            .Where(p => p.Get is not null && (p.PropertyType == typeof(string) || typeof(IEnumerable<string>).IsAssignableFrom(p.PropertyType)
                || typeof(IEnumerable<KeyValuePair<string, string>>).IsAssignableFrom(p.PropertyType)))
            .Select(p => (p.Name, Kind: KindOf(p.Name), p.Get!))
            .ToArray();
        if (checks.Length == 0) return;
        var earlier = info.OnDeserialized;
        info.OnDeserialized = value =>
        {
            earlier?.Invoke(value);
            foreach (var (name, kind, get) in checks)
            {
                switch (get(value))
                {
                    case string text:
                        Check(name, text, kind);
                        break;
                    case IEnumerable<KeyValuePair<string, string>> pairs:
                        foreach (var (key, item) in pairs)
                        {
                            Check(name, key, TextKind.SingleLine);
                            Check(name, item, kind);
                        }
                        break;
                    case IEnumerable<string> items:
                        foreach (var item in items) Check(name, item, kind);
                        break;
                }
            }
        };
    }

    /// <summary>Answers <see cref="TextRefusedException"/> as 400 <c>validation_failed</c> (a handled exception: not logged as an error).</summary>
    internal sealed class RefusedHandler(IProblemDetailsService problems) : IExceptionHandler
    {
        public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
        {
            if (exception is not TextRefusedException refused) return false;
            httpContext.Response.StatusCode = StatusCodes.Status400BadRequest;
            return await problems.TryWriteAsync(new ProblemDetailsContext
            {
                HttpContext = httpContext,
                ProblemDetails = new ProblemDetails
                {
                    Status = StatusCodes.Status400BadRequest,
                    Title = "The request is not valid.",
                    Detail = refused.Message,
                    Type = Platform.Errors.Problems.DocsBase + ErrorCodes.ValidationFailed,
                    Extensions = { ["code"] = ErrorCodes.ValidationFailed },
                },
            });
        }
    }
}
