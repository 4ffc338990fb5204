using System.Text.Json;

namespace Sigill.Api.Features.SingleSignOn;

/// <summary>
/// JSON from an identity provider (discovery, token response, JWKS, ID-token parts), parsed so that reading it later
/// cannot throw: <see cref="JsonDocument"/> accepts an escaped lone surrogate (<c>"\udc20"</c>) and only
/// <see cref="JsonElement.GetString"/> refuses it, with an <see cref="InvalidOperationException"/> that would surface as a
/// 500. Every string and property name is read once here, and such text is a <see cref="JsonException"/> like any other
/// malformed JSON.
/// </summary>
internal static class ProviderJson
{
    public static JsonElement Parse(ReadOnlySpan<byte> utf8)
    {
        using var document = JsonDocument.Parse(utf8.ToArray(), new JsonDocumentOptions { MaxDepth = 16 });
        try
        {
            ReadAll(document.RootElement);
        }
        catch (InvalidOperationException e)
        {
            throw new JsonException("The JSON holds a string that is not valid UTF-16.", e);
        }
        return document.RootElement.Clone();
    }

    private static void ReadAll(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.String:
                element.GetString();
                break;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray())
                {
                    ReadAll(item);
                }
                break;
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    _ = property.Name;
                    ReadAll(property.Value);
                }
                break;
        }
    }
}
