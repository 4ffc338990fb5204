using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Sigill.Api.Features.Documents;
using Sigill.Api.Features.Templates;
using Sigill.Api.Platform.Mail;
using Sigill.Api.Platform.Security;
using Sigill.Contracts;

namespace Sigill.Api.Features.BulkSend;

/// <summary>One recipient of a row: recipient <c>N</c> signs after recipient <c>N-1</c>.</summary>
public sealed record BulkRecipient(string Name, string Email, string Role);

/// <summary>A row that makes a document: what the template is rendered with and who gets it.</summary>
/// <param name="Language">The row's <c>language</c> column: the document is made in it (the template's body in it, when it has one) and its recipients' e-mails speak it.</param>
public sealed record BulkDocumentInput(int Row, string TemplateId, string? Title, IReadOnlyList<BulkRecipient> Recipients, Dictionary<string, string> Variables, PricingInput? Pricing,
    string? Language = null);

/// <summary>
/// The meaning of a bulk-send file's columns, read from its header (names are matched without regard to case and
/// surrounding spaces):
/// <list type="bullet">
/// <item><c>name</c>, <c>email</c> (required), <c>role</c> (signer, approver or cc; default signer): the first recipient;
/// <c>name_2</c>/<c>email_2</c>/<c>role_2</c> up to <see cref="MaxRecipients"/>: more recipients, each acting after the one before.</item>
/// <item><c>title</c>: the document's title (default: the bulk send's title); <c>template</c>: another template of the organization for this row.</item>
/// <item><c>language</c> (<c>en</c>, <c>sv</c>, <c>de</c>, <c>fr</c>, <c>es</c>; optional): the row's language, for the template's body and the recipients' e-mails (default: the organization's).</item>
/// <item><c>currency</c> and <c>item_N_description</c>, <c>item_N_quantity</c>, <c>item_N_unit_price</c>,
/// <c>item_N_discount_percent</c>, <c>item_N_tax_percent</c> (N = 1..<see cref="MaxItems"/>): the pricing table, numbers in invariant notation (1234.50).</item>
/// <item>Every other column is a template variable of the same name, and must be one the template declares.</item>
/// </list>
/// </summary>
public sealed class BulkColumns
{
    public const int MaxRecipients = 5;
    public const int MaxItems = 20;
    private static readonly string[] ItemParts = ["description", "quantity", "unit_price", "discount_percent", "tax_percent"];

    private readonly string[] _names;
    private readonly Dictionary<string, int> _index;

    private BulkColumns(string[] names, Dictionary<string, int> index)
    {
        _names = names;
        _index = index;
    }

    public IReadOnlyList<string> Names => _names;

    /// <summary>What each column feeds, as the preview shows it: <c>recipient 1 name</c>, <c>variable customer</c>, …</summary>
    public IReadOnlyList<string> Targets => [.. _names.Select(Target)];

    /// <summary>The header read against the template's variables; the problems (unknown, duplicate or missing columns) are all listed together.</summary>
    public static BulkColumns Read(string[] header, IReadOnlyCollection<string> templateVariables, out List<string> problems)
    {
        problems = [];
        var names = header.Select(h => h.Trim()).ToArray();
        var index = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < names.Length; i++)
        {
            var name = names[i];
            if (name.Length == 0)
            {
                problems.Add($"column {i + 1} has no name");
                continue;
            }
            if (!index.TryAdd(name, i)) problems.Add($"column \"{Shown(name)}\" appears twice");
            else if (!IsReserved(name) && !templateVariables.Contains(name, StringComparer.Ordinal))
            {
                problems.Add($"column \"{Shown(name)}\" is neither a recipient, title, template or pricing column nor a variable of the template ({(templateVariables.Count == 0 ? "it declares none" : string.Join(", ", templateVariables))})");
            }
        }
        foreach (var required in new[] { "name", "email" })
        {
            if (!index.ContainsKey(required)) problems.Add($"a column \"{required}\" is required (the first recipient)");
        }
        for (var n = 2; n <= MaxRecipients; n++)
        {
            if (index.ContainsKey($"name_{n}") != index.ContainsKey($"email_{n}")) problems.Add($"name_{n} and email_{n} go together");
        }
        if (Enumerable.Range(1, MaxItems).Any(n => ItemParts.Any(p => index.ContainsKey($"item_{n}_{p}"))) && !index.ContainsKey("currency"))
        {
            problems.Add("pricing columns need a \"currency\" column");
        }
        return new BulkColumns(names, index);
    }

    /// <summary>Names shown in messages: a header is the sender's own text, cut short and without control characters.</summary>
    private static string Shown(string name) => new([.. name.Take(40).Where(c => !char.IsControl(c))]);

    private static bool IsReserved(string name)
    {
        var n = name.ToLowerInvariant();
        if (n is "name" or "email" or "role" or "title" or "template" or "currency" or "language") return true;
        for (var i = 2; i <= MaxRecipients; i++)
        {
            if (n == $"name_{i}" || n == $"email_{i}" || n == $"role_{i}") return true;
        }
        for (var i = 1; i <= MaxItems; i++)
        {
            if (ItemParts.Any(p => n == $"item_{i}_{p}")) return true;
        }
        return false;
    }

    private static string Target(string name)
    {
        var n = name.ToLowerInvariant();
        return n switch
        {
            "name" or "email" or "role" => $"recipient 1 {n}",
            "title" => "document title",
            "template" => "template",
            "language" => "document language",
            "currency" => "pricing currency",
            _ when n.StartsWith("item_", StringComparison.Ordinal) && IsReserved(n) => "pricing " + n.Replace('_', ' '),
            _ when IsReserved(n) => $"recipient {n[(n.LastIndexOf('_') + 1)..]} {n[..n.LastIndexOf('_')]}",
            _ => $"variable {name}",
        };
    }

    private string? Cell(string[] row, string column) => _index.TryGetValue(column, out var i) && i < row.Length ? row[i].Trim() : null;

    /// <summary>
    /// One data row checked as the API checks a single document's input: its recipients, title, variables and pricing.
    /// <paramref name="seen"/> holds the first recipient's addresses (hashed) of the rows before, for duplicates;
    /// <paramref name="templates"/> is the organization's template ids, for the <c>template</c> column.
    /// </summary>
    public BulkDocumentInput? Row(int number, string[] row, string defaultTemplateId, IReadOnlySet<string> templates, Dictionary<Int128, int> seen, List<CellError> errors)
    {
        if (row.Length != _names.Length)
        {
            errors.Add(new CellError(null, $"the row has {row.Length} cells, the header {_names.Length}"));
            return null;
        }
        foreach (var (cell, i) in row.Select((c, i) => (c, i)))
        {
            if (RequestText.Problem(cell, TextKind.MultiLine) is not null || (IsReserved(_names[i]) && RequestText.Problem(cell, TextKind.SingleLine) is not null))
            {
                errors.Add(new CellError(_names[i], "control characters are not allowed here"));
            }
        }
        if (errors.Count > 0) return null;

        var recipients = new List<BulkRecipient>();
        for (var n = 1; n <= MaxRecipients; n++)
        {
            var suffix = n == 1 ? "" : $"_{n}";
            var name = Cell(row, "name" + suffix);
            var email = Cell(row, "email" + suffix);
            if (n > 1 && string.IsNullOrEmpty(name) && string.IsNullOrEmpty(email)) continue; // no recipient N on this row
            if (name is null && email is null) continue;
            if (string.IsNullOrEmpty(name) || name.Length > 200) errors.Add(new CellError("name" + suffix, "a name is required (at most 200 characters)"));
            if (!MailServices.IsSingleAddress(email)) errors.Add(new CellError("email" + suffix, "not a single e-mail address"));
            var role = Cell(row, "role" + suffix) is { Length: > 0 } r ? r.ToLowerInvariant() : RecipientRoles.Signer;
            if (!RecipientRoles.IsValid(role)) errors.Add(new CellError("role" + suffix, "must be signer, approver or cc"));
            if (!string.IsNullOrEmpty(name) && email is not null) recipients.Add(new BulkRecipient(name, email, role));
        }
        if (errors.Count == 0 && !recipients.Any(r => RecipientRoles.Acts(r.Role)))
        {
            errors.Add(new CellError("role", "a row needs at least one signer or approver"));
        }
        if (recipients.Count > 0 && MailServices.IsSingleAddress(recipients[0].Email))
        {
            var key = AddressKey(recipients[0].Email);
            if (seen.TryGetValue(key, out var first)) errors.Add(new CellError("email", $"the same address as row {first}"));
            else seen[key] = number;
        }

        var templateId = Cell(row, "template") is { Length: > 0 } t ? t : defaultTemplateId;
        if (!templates.Contains(templateId)) errors.Add(new CellError("template", "no template with this id in your organization"));
        var title = Cell(row, "title") is { Length: > 0 } rowTitle ? rowTitle : null;
        if (title is { Length: > 300 }) errors.Add(new CellError("title", "at most 300 characters"));
        var language = Cell(row, "language") is { Length: > 0 } rowLanguage ? rowLanguage : null;
        if (language is not null && !Languages.IsSupported(language)) errors.Add(new CellError("language", $"one of {string.Join(", ", Languages.Supported)} (lower case)"));

        var variables = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, i) in _names.Select((n, i) => (n, i)))
        {
            if (!IsReserved(name) && name.Length > 0) variables[name] = row[i];
        }
        if (TemplateRenderer.ValidateVariables(variables) is { } variablesError) errors.Add(new CellError(null, variablesError));

        var pricing = Pricing(row, errors);
        return errors.Count == 0 ? new BulkDocumentInput(number, templateId, title, recipients, variables, pricing, language) : null;
    }

    private PricingInput? Pricing(string[] row, List<CellError> errors)
    {
        var items = new List<PricingItem>();
        for (var n = 1; n <= MaxItems; n++)
        {
            var description = Cell(row, $"item_{n}_description");
            if (string.IsNullOrEmpty(description)) continue; // an empty line of the table
            items.Add(new PricingItem(description, Number(row, $"item_{n}_quantity", 1m, errors), Number(row, $"item_{n}_unit_price", 0m, errors),
                Number(row, $"item_{n}_discount_percent", 0m, errors), Number(row, $"item_{n}_tax_percent", 0m, errors)));
        }
        if (items.Count == 0) return null;
        var pricing = new PricingInput(Cell(row, "currency") ?? "", items);
        if (errors.Count == 0 && TemplateRenderer.Validate(pricing) is { } pricingError) errors.Add(new CellError(null, pricingError));
        return pricing;
    }

    private decimal Number(string[] row, string column, decimal absent, List<CellError> errors)
    {
        var text = Cell(row, column);
        if (string.IsNullOrEmpty(text)) return absent;
        if (decimal.TryParse(text, NumberStyles.AllowDecimalPoint | NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value)) return value;
        errors.Add(new CellError(column, "not a number (write 1234.50)"));
        return 0m;
    }

    /// <summary>128 bits of SHA-256 over the normalized address: duplicates are found without keeping the addresses.</summary>
    private static Int128 AddressKey(string email)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(Sigill.Crypto.CellKeyManager.NormalizeEmail(email)), hash);
        return new Int128(BitConverter.ToUInt64(hash[..8]), BitConverter.ToUInt64(hash[8..16]));
    }
}
