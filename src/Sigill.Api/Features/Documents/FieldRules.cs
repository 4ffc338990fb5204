using System.Globalization;
using System.Text;
using System.Text.Json;
using Sigill.Api.Platform.Errors;
using Sigill.Api.Platform.Mail;

namespace Sigill.Api.Features.Documents;

/// <summary>
/// The one place that decides what a field may be and what may be put in it (ADR 0018): a definition when the sender
/// saves it (<see cref="NormalizeSettings"/>, <see cref="CheckConditions"/>), which fields a signer sees
/// (<see cref="Visibility"/>) and a value when the signer submits it (<see cref="CheckValue"/>). Pure: no database, no
/// keys, no clock. The signing page runs similar checks for comfort; these decide.
/// </summary>
internal static class FieldRules
{
    public const int MaxOptions = 50;
    public const int MaxOptionLength = 200;
    public const int MaxDecimals = 6;
    public const int MaxTextLength = 1000;
    public const int MaxNameLength = 200;

    /// <summary>Bounds and values stay within ±10^12: enough for prices and counts, and every one prints in full on the page.</summary>
    public const decimal MaxMagnitude = 1_000_000_000_000m;

    /// <summary>A refusal: the problem code (<see cref="ErrorCodes"/>) and a sentence that names what is wrong.</summary>
    internal sealed record Problem(string Code, string Detail);

    /// <summary>A field as the condition rules see it: whose it is, its kind and its (normalized) settings.</summary>
    internal sealed record Definition(string Id, string RecipientId, string Kind, FieldSettings? Settings);

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
    };

    public static string Serialize(FieldSettings settings) => JsonSerializer.Serialize(settings, Json);

    public static FieldSettings? Deserialize(string? json) => json is null ? null : JsonSerializer.Deserialize<FieldSettings>(json, Json);

    /// <summary>
    /// The settings as stored for a field of <paramref name="kind"/>: option labels trimmed and in Unicode normal form C,
    /// null when there is nothing to keep; or the problem. Conditions are checked against the other fields by
    /// <see cref="CheckConditions"/>.
    /// </summary>
    public static (FieldSettings? Settings, Problem? Problem) NormalizeSettings(string kind, bool fillSigningDate, FieldSettings? settings)
    {
        // A dropdown or radio group without settings still needs its options: checked below as an empty set.
        // A formula field without settings still needs its formula: checked below as an empty one.
        if (settings is null && !FieldKinds.HasOptions(kind) && kind != FieldKinds.Formula) return (null, null);
        var (min, max, decimals, options, condition, formulaName, formula) = settings ?? new FieldSettings();
        if (kind == FieldKinds.Formula && (min is not null || max is not null))
        {
            return Invalid("A formula field takes formula and decimals; its value is computed, so it has no min or max.");
        }
        if (kind is not (FieldKinds.Number or FieldKinds.Formula) && (min is not null || max is not null || decimals is not null))
        {
            return Invalid($"min, max and decimals are for number fields; a {kind} field takes none.");
        }
        if (formulaName is not null && kind != FieldKinds.Number)
        {
            return Invalid($"name is for number fields (formulas name them by it); a {kind} field takes none.");
        }
        if (formulaName is not null && !Formula.IsName(formulaName))
        {
            return Invalid($"name is 1-{Formula.MaxNameLength} letters, digits or _ (ASCII), starting with a letter or _: how a formula names the field, {{name}}.");
        }
        if (formula is not null && kind != FieldKinds.Formula)
        {
            return Invalid($"formula is for formula fields; a {kind} field takes none.");
        }
        if (kind == FieldKinds.Formula)
        {
            if (decimals is < 0 or > MaxDecimals) return Invalid($"decimals must be 0-{MaxDecimals}.");
            if (Formula.Parse(formula).Error is { } formulaError) return (null, new Problem(ErrorCodes.FieldFormulaInvalid, formulaError));
        }
        if (!FieldKinds.HasOptions(kind) && options is not null)
        {
            return Invalid($"options are for dropdown and radio fields; a {kind} field takes none.");
        }
        if (condition is not null && (kind is FieldKinds.Signature or FieldKinds.Initials || fillSigningDate))
        {
            return (null, new Problem(ErrorCodes.FieldConditionInvalid, "A signature, initials or a date the signing fills in is always shown: it takes no condition."));
        }
        if (condition is not null && (string.IsNullOrEmpty(condition.Field) || condition.Value is null))
        {
            return (null, new Problem(ErrorCodes.FieldConditionInvalid, "A condition is { \"field\": \"<a field id>\", \"equals\": \"<value>\" }."));
        }
        if (kind == FieldKinds.Number)
        {
            if (decimals is < 0 or > MaxDecimals) return Invalid($"decimals must be 0-{MaxDecimals}.");
            foreach (var (name, bound) in new[] { ("min", min), ("max", max) })
            {
                if (bound is not { } b) continue;
                if (Math.Abs(b) >= MaxMagnitude) return Invalid($"{name} must lie between -10^12 and 10^12.");
                if (DecimalPlaces(b) > (decimals ?? 0)) return Invalid($"{name} has more digits after the point than decimals ({decimals ?? 0}) allows.");
            }
            if (min > max) return Invalid("min must not be more than max.");
        }
        List<string>? kept = null;
        if (FieldKinds.HasOptions(kind))
        {
            if (options is not { Count: > 0 and <= MaxOptions }) return Invalid($"A {kind} field needs 1-{MaxOptions} options.");
            kept = new List<string>(options.Count);
            foreach (var raw in options)
            {
                var option = (raw ?? "").Normalize(NormalizationForm.FormC).Trim();
                if (option.Length is 0 or > MaxOptionLength) return Invalid($"Each option is 1-{MaxOptionLength} characters.");
                if (option.Any(c => char.IsControl(c) || CharUnicodeInfo.GetUnicodeCategory(c) is UnicodeCategory.Format or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator))
                {
                    return Invalid("An option is one line of visible text.");
                }
                if (Unsupported(option) is { } what)
                {
                    return (null, new Problem(ErrorCodes.FieldOptionUnsupported,
                        $"The option \"{option}\" has {what}: the signed PDF cannot show it faithfully yet (glyphs are written left to right, one by one). Write the option without it."));
                }
                if (kept.Contains(option, StringComparer.OrdinalIgnoreCase)) return Invalid($"The option \"{option}\" is given twice.");
                kept.Add(option);
            }
        }
        var normalized = new FieldSettings(min, max, decimals, kept, condition is null ? null : new FieldCondition(condition.Field, condition.Value!.Trim()),
            formulaName, formula?.Trim());
        return (normalized == new FieldSettings() ? null : normalized, null);

        static (FieldSettings?, Problem?) Invalid(string detail) => (null, new Problem(ErrorCodes.FieldSettingsInvalid, detail));
    }

    /// <summary>
    /// Right-to-left letters and combining marks (after composition to normal form C) are what the PDF stamp cannot lay out:
    /// it writes each glyph left to right with no shaping, so "שלום" would read backwards and a mark would float beside its
    /// letter. Refused instead of signing text that looks different from what the sender wrote.
    /// </summary>
    private static string? Unsupported(string option)
    {
        foreach (var rune in option.EnumerateRunes())
        {
            var v = rune.Value;
            if (v is >= 0x0590 and <= 0x08FF or >= 0xFB1D and <= 0xFDFF or >= 0xFE70 and <= 0xFEFF or >= 0x10800 and <= 0x10FFF or >= 0x1E800 and <= 0x1EFFF)
            {
                return "right-to-left text";
            }
            if (Rune.GetUnicodeCategory(rune) is UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.EnclosingMark)
            {
                return "a combining mark";
            }
        }
        return null;
    }

    /// <summary>
    /// The conditions among a document's fields, all of them as they will be saved: each names a field of the same
    /// recipient that can decide (a checkbox, dropdown or radio group) and a value it can hold, and no chain of conditions
    /// comes back to where it started.
    /// </summary>
    public static Problem? CheckConditions(IReadOnlyList<Definition> fields)
    {
        var byId = fields.ToDictionary(f => f.Id, StringComparer.Ordinal);
        foreach (var f in fields)
        {
            if (f.Settings?.Condition is not { } condition) continue;
            if (!byId.TryGetValue(condition.Field!, out var source))
            {
                return new Problem(ErrorCodes.FieldConditionInvalid, $"The condition of field {f.Id} names {condition.Field}, which is not a field of this document.");
            }
            if (source.RecipientId != f.RecipientId)
            {
                return new Problem(ErrorCodes.FieldConditionInvalid, $"The condition of field {f.Id} names another recipient's field: a condition depends on the same recipient's fields only.");
            }
            var holdable = source.Kind switch
            {
                FieldKinds.Checkbox => condition.Value == "true",
                FieldKinds.Dropdown or FieldKinds.Radio => source.Settings?.Options?.Contains(condition.Value, StringComparer.Ordinal) == true,
                _ => false,
            };
            if (source.Kind is not (FieldKinds.Checkbox or FieldKinds.Dropdown or FieldKinds.Radio))
            {
                return new Problem(ErrorCodes.FieldConditionInvalid, $"The condition of field {f.Id} names a {source.Kind} field; a checkbox, dropdown or radio field decides.");
            }
            if (!holdable)
            {
                return new Problem(ErrorCodes.FieldConditionInvalid, source.Kind == FieldKinds.Checkbox
                    ? $"The condition of field {f.Id} names a checkbox: equals is \"true\" (shown while it is ticked)."
                    : $"The condition of field {f.Id} equals \"{condition.Value}\", which is not an option of field {source.Id}.");
            }
        }
        // Each field has at most one condition, so following conditions from a field either ends or loops.
        foreach (var start in fields)
        {
            var seen = new HashSet<string>(StringComparer.Ordinal) { start.Id };
            for (var at = start; at.Settings?.Condition?.Field is { } next && byId.TryGetValue(next, out var source); at = source)
            {
                if (!seen.Add(source.Id))
                {
                    return new Problem(ErrorCodes.FieldConditionCycle, $"The conditions of fields {string.Join(", ", seen.Order(StringComparer.Ordinal))} depend on each other in a circle.");
                }
            }
        }
        return null;
    }

    /// <summary>
    /// The conditions (<see cref="CheckConditions"/>) and the formulas among a document's fields, as they will be saved.
    /// <paramref name="pricing"/>: the document's pricing totals, null when it has no pricing table.
    /// </summary>
    public static Problem? CheckFields(IReadOnlyList<Definition> fields, Sigill.Contracts.PricingTotals? pricing) =>
        CheckConditions(fields) ?? CheckFormulas(fields, pricing);

    /// <summary>
    /// The formulas among a document's fields: a number field's <c>name</c> is used once among its recipient's number
    /// fields (case ignored); each name a formula uses is a number field of the formula's own recipient (a formula never
    /// reads another signer's values, nor another formula: no chain, so no cycle); each pricing value it uses exists on the
    /// document; and it evaluates without division by zero or overflow with every field at its minimum, at zero (or the
    /// value nearest it) and at its maximum (±10^12 when unbounded).
    /// </summary>
    public static Problem? CheckFormulas(IReadOnlyList<Definition> fields, Sigill.Contracts.PricingTotals? pricing)
    {
        foreach (var recipient in fields.GroupBy(f => f.RecipientId, StringComparer.Ordinal))
        {
            var named = new Dictionary<string, Definition>(StringComparer.OrdinalIgnoreCase);
            foreach (var f in recipient.Where(f => f.Kind == FieldKinds.Number && f.Settings?.Name is not null))
            {
                if (!named.TryAdd(f.Settings!.Name!, f))
                {
                    return new Problem(ErrorCodes.FieldFormulaInvalid, $"Two number fields of the same recipient are named \"{f.Settings.Name}\" ({named[f.Settings.Name!].Id}, {f.Id}): a formula could not tell them apart.");
                }
            }
            foreach (var f in recipient.Where(f => f.Kind == FieldKinds.Formula && f.Settings?.Formula is not null))
            {
                var (formula, error) = Formula.Parse(f.Settings!.Formula);
                if (formula is null) return new Problem(ErrorCodes.FieldFormulaInvalid, $"Field {f.Id}: {error}");
                var bounds = new Dictionary<string, (decimal Low, decimal High)>(StringComparer.Ordinal);
                foreach (var name in formula.Fields)
                {
                    if (!named.TryGetValue(name, out var source) || source.Settings!.Name != name)
                    {
                        return new Problem(ErrorCodes.FieldFormulaInvalid,
                            $"The formula of field {f.Id} uses {{{name}}}, which is not a number field of the same recipient (a number field is named by its settings.name; a formula reads neither other signers' fields nor other formulas).");
                    }
                    bounds[name] = (source.Settings.Min ?? -(MaxMagnitude - 1), source.Settings.Max ?? MaxMagnitude - 1);
                }
                var prices = Formula.PricingValues(pricing);
                if (formula.Pricing.FirstOrDefault(p => !prices.ContainsKey(p)) is { } missing)
                {
                    return new Problem(ErrorCodes.FieldFormulaInvalid, $"The formula of field {f.Id} uses {missing}, but the document has no pricing table.");
                }
                foreach (var (sample, words) in new (Func<(decimal Low, decimal High), decimal>, string)[]
                {
                    (b => b.Low, "at their minimum"), (b => Math.Clamp(0m, b.Low, b.High), "at zero (or nearest zero)"), (b => b.High, "at their maximum"),
                })
                {
                    var values = bounds.ToDictionary(b => b.Key, b => sample(b.Value), StringComparer.Ordinal);
                    if (formula.Evaluate(values, prices).Error is { } failed)
                    {
                        return new Problem(ErrorCodes.FieldFormulaInvalid,
                            $"The formula of field {f.Id} fails with its number fields {words}: {failed}. Bound the fields (settings min and max) so it cannot.");
                    }
                }
            }
        }
        return null;
    }

    /// <summary>
    /// A formula field's value at signing: the formula over the recipient's number fields as submitted (a number field
    /// left empty or hidden by its condition counts as 0) and the document's pricing values, rounded to the field's
    /// decimals; or the problem (<c>field_formula_failed</c>).
    /// </summary>
    public static (string? Value, Problem? Problem) Compute(Definition field, IReadOnlyDictionary<string, decimal> numbers, Sigill.Contracts.PricingTotals? pricing)
    {
        var (formula, error) = Formula.Parse(field.Settings?.Formula);
        if (formula is null) return (null, new Problem(ErrorCodes.FieldFormulaFailed, $"Field {field.Id}: {error}"));
        var values = formula.Fields.ToDictionary(n => n, n => numbers.GetValueOrDefault(n), StringComparer.Ordinal);
        var (value, failed) = formula.Evaluate(values, Formula.PricingValues(pricing));
        var (text, tooLarge) = failed is null ? Formula.ToFieldValue(value, field.Settings?.Decimals ?? 0) : (null, null);
        return text is not null ? (text, null)
            : (null, new Problem(ErrorCodes.FieldFormulaFailed, $"Field {field.Id} cannot be computed from your values: {failed ?? tooLarge}. Change the numbers it uses."));
    }

    /// <summary>
    /// Which of one recipient's fields are shown, given what they submitted (field id → trimmed value): a field without a
    /// condition always; one with a condition while the field it names is shown and holds the value.
    /// </summary>
    public static IReadOnlyDictionary<string, bool> Visibility(IReadOnlyList<Definition> mine, IReadOnlyDictionary<string, string> given)
    {
        var byId = mine.ToDictionary(f => f.Id, StringComparer.Ordinal);
        var shown = new Dictionary<string, bool>(StringComparer.Ordinal);
        foreach (var f in mine) Shown(f, 0);
        return shown;

        bool Shown(Definition f, int depth)
        {
            if (shown.TryGetValue(f.Id, out var known)) return known;
            // Conditions were checked for cycles when saved; the depth bound keeps a bad row from recursing forever.
            var result = f.Settings?.Condition is not { } c
                || (depth < byId.Count && byId.TryGetValue(c.Field!, out var source) && Shown(source, depth + 1)
                    && given.TryGetValue(source.Id, out var value) && value == c.Value);
            shown[f.Id] = result;
            return result;
        }
    }

    /// <summary>
    /// A non-empty submitted value (trimmed) checked against its field: the value as stored and stamped (a number in
    /// invariant form, e.g. "1200.5"), or the problem. Text, date and checkbox keep the code they always had
    /// (<c>validation_failed</c>); the kinds of ADR 0018 answer <c>field_value_invalid</c>.
    /// </summary>
    public static (string? Value, Problem? Problem) CheckValue(string fieldId, string kind, FieldSettings? settings, string value)
    {
        switch (kind)
        {
            case FieldKinds.Text when value.Length > MaxTextLength:
                return Old($"Field {fieldId}: text is at most {MaxTextLength} characters.");
            case FieldKinds.Date when !DateOnly.TryParseExact(value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out _):
                return Old($"Field {fieldId}: a date is yyyy-MM-dd.");
            case FieldKinds.Checkbox when value != "true":
                return Old($"Field {fieldId}: a checkbox is \"true\" or \"false\".");
            case FieldKinds.Number:
                return Number(fieldId, settings, value);
            case FieldKinds.Email when !MailServices.IsSingleAddress(value):
                return Bad($"Field {fieldId}: an e-mail address, like name@example.com.");
            case FieldKinds.Name when value.Length > MaxNameLength:
                return Bad($"Field {fieldId}: a name is at most {MaxNameLength} characters.");
            case FieldKinds.Dropdown or FieldKinds.Radio when settings?.Options?.Contains(value, StringComparer.Ordinal) != true:
                return Bad($"Field {fieldId}: choose one of the field's options.");
            default:
                return (value, null);
        }

        static (string?, Problem?) Old(string detail) => (null, new Problem(ErrorCodes.ValidationFailed, detail));
    }

    private static (string?, Problem?) Number(string fieldId, FieldSettings? settings, string value)
    {
        var decimals = settings?.Decimals ?? 0;
        // Digits with an optional minus and decimal point: no exponent, no thousands separator, no locale's comma.
        var digits = value.StartsWith('-') ? value[1..] : value;
        var point = digits.IndexOf('.', StringComparison.Ordinal);
        var whole = point < 0 ? digits : digits[..point];
        var fraction = point < 0 ? "" : digits[(point + 1)..];
        if (whole.Length is 0 or > 13 || !whole.All(char.IsAsciiDigit) || (point >= 0 && (fraction.Length == 0 || !fraction.All(char.IsAsciiDigit))))
        {
            return Bad($"Field {fieldId}: a number, like 12 or 12.5 (a point before the decimals, no spaces or separators).");
        }
        if (fraction.Length > decimals)
        {
            return Bad(decimals == 0 ? $"Field {fieldId}: a whole number, without decimals." : $"Field {fieldId}: at most {decimals} digits after the point.");
        }
        var number = decimal.Parse(value, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture);
        if (Math.Abs(number) >= MaxMagnitude) return Bad($"Field {fieldId}: the number is too large.");
        if (number < settings?.Min || number > settings?.Max)
        {
            return Bad($"Field {fieldId}: a number {Range(settings!)}.");
        }
        return (number.ToString(CultureInfo.InvariantCulture), null);
    }

    /// <summary>"from 1 to 10", "of at least 1", "of at most 10".</summary>
    public static string Range(FieldSettings s) => (s.Min, s.Max) switch
    {
        ({ } min, { } max) => $"from {min.ToString(CultureInfo.InvariantCulture)} to {max.ToString(CultureInfo.InvariantCulture)}",
        ({ } min, null) => $"of at least {min.ToString(CultureInfo.InvariantCulture)}",
        (null, { } max) => $"of at most {max.ToString(CultureInfo.InvariantCulture)}",
        _ => "",
    };

    private static (string?, Problem?) Bad(string detail) => (null, new Problem(ErrorCodes.FieldValueInvalid, detail));

    /// <summary>Digits after the point that matter: 1.50 has one.</summary>
    private static int DecimalPlaces(decimal d)
    {
        var text = d.ToString(CultureInfo.InvariantCulture);
        var point = text.IndexOf('.', StringComparison.Ordinal);
        return point < 0 ? 0 : text[(point + 1)..].TrimEnd('0').Length;
    }
}
