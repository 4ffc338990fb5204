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
/// A part of a request — a text field, the upload's title, the uploaded PDF's text — holds what looks like a payment
/// card number (<see cref="CardNumbers"/>). The message names the field and shows the number masked, never in full.
/// </summary>
internal sealed class CardNumberRefusedException(string field, CardNumberHit hit, string? where = null)
    : Exception($"{field}: {where}holds what looks like a payment card number ({hit.Scheme} {hit.Masked}); Sigill does not accept card data, remove it and send again")
{
    public string Field { get; } = field;

    public CardNumberHit Hit { get; } = hit;
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
/// Every string that passes is then scanned for payment card numbers (<see cref="CardNumbers"/>; issue 17: Sigill never
/// accepts or stores card data), keys included, except passwords (taken as typed, never stored as text) and
/// <see cref="EncodedFields"/>. A hit is 422 <c>card_number_detected</c> naming the field, with the number masked.
/// </summary>
internal static partial class RequestText
{
    /// <summary>Request properties, by their JSON names, whose text may span lines: send messages, void and decline reasons, Liquid
    /// template and content block bodies, support justifications.</summary>
    public static readonly FrozenSet<string> MultiLineFields = FrozenSet.Create(StringComparer.Ordinal, "message", "reason", "body", "justification");

    /// <summary>Passwords are taken as typed (they are only hashed and compared).</summary>
    public static readonly FrozenSet<string> OpaqueFields = FrozenSet.Create(StringComparer.Ordinal, "password", "currentPassword", "newPassword");

    /// <summary>
    /// Fields that carry binary data as base64 (a drawn signature's PNG, an organization's logo): not text for people,
    /// never shown or stored as text (Sigill decodes them to pixels), and long enough that base64's digits could by chance
    /// line up as a card number between its <c>+</c> and <c>/</c>. They are not scanned for card numbers.
    /// </summary>
    public static readonly FrozenSet<string> EncodedFields = FrozenSet.Create(StringComparer.Ordinal, "drawnPng", "png");

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

    /// <summary>
    /// Throws <see cref="TextRefusedException"/> when <paramref name="value"/> is refused as text of the field
    /// <paramref name="field"/>, and <see cref="CardNumberRefusedException"/> when it holds a card number.
    /// </summary>
    public static void Check(string field, string? value, TextKind? kind = null)
    {
        if (value is null) return;
        var k = kind ?? KindOf(field);
        if (Problem(value, k) is { } reason) throw new TextRefusedException(field, reason);
        if (k != TextKind.Opaque && !EncodedFields.Contains(field) && CardNumbers.TryFind(value, out var hit)) throw new CardNumberRefusedException(field, hit);
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

    /// <summary>
    /// Answers <see cref="TextRefusedException"/> as 400 <c>validation_failed</c>, and <see cref="CardNumberRefusedException"/>
    /// as 422 <c>card_number_detected</c> with the field in <c>field</c> (handled exceptions: not logged as errors). A card
    /// number refusal is logged once, with the field and the number masked, so an operator sees that they happen.
    /// </summary>
    internal sealed partial class RefusedHandler(IProblemDetailsService problems, ILogger<RefusedHandler> logger) : IExceptionHandler
    {
        public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
        {
            switch (exception)
            {
                case TextRefusedException refused:
                    return await WriteAsync(httpContext, StatusCodes.Status400BadRequest, ErrorCodes.ValidationFailed, "The request is not valid.", refused.Message);
                case CardNumberRefusedException card:
                    // The route's pattern, not the path: a path can carry a recipient's link token. (The exception handler
                    // has cleared the request's endpoint by now; its feature keeps the one that threw.)
                    var endpoint = httpContext.Features.Get<IExceptionHandlerFeature>()?.Endpoint ?? httpContext.GetEndpoint();
                    var route = (endpoint as RouteEndpoint)?.RoutePattern.RawText ?? "(no route)";
                    CardNumberRefused(logger, route, card.Field, card.Hit.Scheme, card.Hit.Masked);
                    return await WriteAsync(httpContext, StatusCodes.Status422UnprocessableEntity, ErrorCodes.CardNumberDetected, "The request holds card data.", card.Message, card.Field);
                default:
                    return false;
            }
        }

        private async ValueTask<bool> WriteAsync(HttpContext httpContext, int status, string code, string title, string detail, string? field = null)
        {
            httpContext.Response.StatusCode = status;
            var problem = new ProblemDetails
            {
                Status = status,
                Title = title,
                Detail = detail,
                Type = Platform.Errors.Problems.DocsBase + code,
                Extensions = { ["code"] = code },
            };
            if (field is not null) problem.Extensions["field"] = field;
            return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = httpContext, ProblemDetails = problem });
        }

        [LoggerMessage(EventId = 1101, Level = LogLevel.Information, Message = "Refused a request to {Route}: {Field} holds what looks like a card number ({Scheme} {Masked})")]
        private static partial void CardNumberRefused(ILogger logger, string route, string field, string scheme, string masked);
    }
}
