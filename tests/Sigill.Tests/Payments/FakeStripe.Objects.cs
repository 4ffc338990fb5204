using System.Globalization;
using System.Text.Json.Nodes;

namespace Sigill.Tests.Payments;

// The objects: Checkout Sessions, PaymentIntents, Charges, Refunds, Disputes, and the money rules.
public sealed partial class FakeStripe
{
    private const string SessionNotOpen = "session not open";

    /// <summary>Stripe's zero-decimal currencies: the amount is in whole units.</summary>
    public static readonly IReadOnlySet<string> ZeroDecimalCurrencies =
        new HashSet<string>(["bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "ugx", "vnd", "vuv", "xaf", "xof", "xpf"], StringComparer.Ordinal);

    /// <summary>Stripe's three-decimal currencies: the amount is in thousandths and Stripe requires its last digit to be 0.</summary>
    public static readonly IReadOnlySet<string> ThreeDecimalCurrencies = new HashSet<string>(["bhd", "jod", "kwd", "omr", "tnd"], StringComparer.Ordinal);

    /// <summary>The currencies the fake accepts (a subset of Stripe's presentment currencies).</summary>
    public static readonly IReadOnlySet<string> SupportedCurrencies = new HashSet<string>(
        ["usd", "eur", "gbp", "chf", "cad", "aud", "nzd", "sek", "nok", "dkk", "pln", "czk", "huf", "ron", "bgn", "isk", "try", "ils", "aed", "sar", "inr",
         "sgd", "hkd", "mxn", "brl", "zar", "thb", "myr", "php", "idr", "twd", "cny",
         "jpy", "krw", "clp", "vnd", "pyg", "ugx", "xaf", "xof", "bif", "djf", "gnf", "kmf", "mga", "rwf", "vuv", "xpf",
         "bhd", "jod", "kwd", "omr", "tnd"], StringComparer.Ordinal);

    /// <summary>Minimum charge amounts Stripe enforces, in minor units, for the common currencies (others are not checked).</summary>
    private static readonly Dictionary<string, long> MinimumAmounts = new(StringComparer.Ordinal)
    {
        ["usd"] = 50, ["eur"] = 50, ["gbp"] = 30, ["chf"] = 50, ["cad"] = 50, ["aud"] = 50, ["jpy"] = 50, ["sek"] = 300, ["nok"] = 300, ["dkk"] = 250,
    };

    /// <summary>Digits after the decimal point of a currency's major unit, as Stripe counts them.</summary>
    public static int MinorUnitDigits(string currency) =>
        ZeroDecimalCurrencies.Contains(currency) ? 0 : ThreeDecimalCurrencies.Contains(currency) ? 3 : 2;

    /// <summary>"12.34 EUR", "1,000 JPY", "1.250 KWD".</summary>
    public static string FormatAmount(long amount, string currency)
    {
        var digits = MinorUnitDigits(currency);
        var major = amount / (decimal)Math.Pow(10, digits);
        return major.ToString("N" + digits.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture) + " " + currency.ToUpperInvariant();
    }

    private static readonly string[] Locales =
        ["auto", "bg", "cs", "da", "de", "el", "en", "en-GB", "es", "es-419", "et", "fi", "fil", "fr", "fr-CA", "hr", "hu", "id", "it", "ja", "ko", "lt", "lv",
         "ms", "mt", "nb", "nl", "pl", "pt", "pt-BR", "ro", "ru", "sk", "sl", "sv", "th", "tr", "vi", "zh", "zh-HK", "zh-TW"];

    private JsonObject CreateSession(Account account, JsonObject p, ApiRequestInfo request)
    {
        Allow(p, "mode", "line_items", "success_url", "cancel_url", "metadata", "payment_intent_data", "customer_email", "client_reference_id", "expires_at",
            "locale", "expand", "submit_type");
        var mode = Str(p, "mode") ?? throw Missing("mode");
        if (mode != "payment")
        {
            throw Invalid("mode", $"FakeStripe implements mode=payment only, not {mode}.");
        }
        if (p["line_items"] is not JsonArray items || items.Count == 0)
        {
            throw Invalid("line_items", "You must specify `line_items` in `payment` mode.", "parameter_missing");
        }
        string? currency = null;
        long total = 0;
        var lineItems = new JsonArray();
        for (var i = 0; i < items.Count; i++)
        {
            var prefix = $"line_items[{i}]";
            var item = items[i] as JsonObject ?? throw Invalid(prefix, "Invalid object", "parameter_invalid_object");
            AllowNested(item, prefix, "price_data", "quantity");
            var priceData = item["price_data"] as JsonObject
                ?? throw Invalid(prefix, "You must specify either `price` or `price_data` in each line item (FakeStripe implements `price_data` only).", "parameter_missing");
            AllowNested(priceData, $"{prefix}[price_data]", "currency", "unit_amount", "product_data", "tax_behavior");
            var itemCurrency = (Str(priceData, "currency") ?? throw Missing($"{prefix}[price_data][currency]")).ToLowerInvariant();
            if (!SupportedCurrencies.Contains(itemCurrency))
            {
                throw Invalid($"{prefix}[price_data][currency]", $"Invalid currency: {itemCurrency}. Stripe currently supports these currencies: {string.Join(", ", SupportedCurrencies)}",
                    "currency_invalid");
            }
            if (currency is not null && currency != itemCurrency)
            {
                throw Invalid($"{prefix}[price_data][currency]", "All line items must have the same currency.", "line_items_currency_mismatch");
            }
            currency = itemCurrency;
            var unitParam = $"{prefix}[price_data][unit_amount]";
            var unitAmount = Integer(priceData, "unit_amount", unitParam);
            if (unitAmount <= 0)
            {
                throw Invalid(unitParam, "This value must be greater than 0 (FakeStripe accepts positive unit amounts only).", "parameter_invalid_integer");
            }
            if (unitAmount > 99_999_999)
            {
                throw Invalid(unitParam, $"This value must be less than or equal to 99999999 ({FormatAmount(99_999_999, itemCurrency)}).", "amount_too_large");
            }
            if (ThreeDecimalCurrencies.Contains(itemCurrency) && unitAmount % 10 != 0)
            {
                throw Invalid(unitParam, $"Amounts in {itemCurrency.ToUpperInvariant()} must have 0 as their last digit (a multiple of 10 minor units), as Stripe requires.",
                    "invalid_amount");
            }
            var productData = priceData["product_data"] as JsonObject ?? throw Missing($"{prefix}[price_data][product_data]");
            AllowNested(productData, $"{prefix}[price_data][product_data]", "name", "description", "metadata");
            var name = Str(productData, "name") is { Length: > 0 } n ? n : throw Missing($"{prefix}[price_data][product_data][name]");
            var quantity = Integer(item, "quantity", $"{prefix}[quantity]");
            if (quantity is < 1 or > 999_999)
            {
                throw Invalid($"{prefix}[quantity]", "Quantity must be between 1 and 999999.", "parameter_invalid_integer");
            }
            var amount = unitAmount * quantity;
            total += amount;
            lineItems.Add(new JsonObject
            {
                ["id"] = NewId("li_"),
                ["object"] = "item",
                ["amount_discount"] = 0,
                ["amount_subtotal"] = amount,
                ["amount_tax"] = 0,
                ["amount_total"] = amount,
                ["currency"] = itemCurrency,
                ["description"] = name,
                ["price"] = new JsonObject
                {
                    ["id"] = NewId("price_"),
                    ["object"] = "price",
                    ["active"] = false,
                    ["currency"] = itemCurrency,
                    ["product"] = NewId("prod_", 14),
                    ["type"] = "one_time",
                    ["unit_amount"] = unitAmount,
                },
                ["quantity"] = quantity,
            });
        }
        if (total > 99_999_999)
        {
            throw Invalid("line_items", "The Checkout Session's total amount due must be no more than 99999999 minor units.", "amount_too_large");
        }
        if (MinimumAmounts.TryGetValue(currency!, out var minimum) && total < minimum)
        {
            throw Invalid("line_items", $"The Checkout Session's total amount due must add up to at least {FormatAmount(minimum, currency!)}", "amount_too_small");
        }

        var now = Now();
        var expiresAt = p["expires_at"] is null ? now + 24 * 3600 : Integer(p, "expires_at", "expires_at");
        if (expiresAt < now + 30 * 60 - 60 || expiresAt > now + 24 * 3600 + 60)
        {
            throw Invalid("expires_at", "The `expires_at` timestamp must be between 30 minutes and 24 hours from Checkout Session creation.", "parameter_invalid_integer");
        }
        var locale = Str(p, "locale");
        if (locale is not null && !Locales.Contains(locale))
        {
            throw Invalid("locale", $"Invalid locale: {locale}", "parameter_invalid_string");
        }
        var successUrl = Str(p, "success_url");
        var cancelUrl = Str(p, "cancel_url");
        foreach (var (param, url) in new[] { ("success_url", successUrl), ("cancel_url", cancelUrl) })
        {
            if (url is not null && !Uri.TryCreate(url.Replace("{CHECKOUT_SESSION_ID}", "x", StringComparison.Ordinal), UriKind.Absolute, out _))
            {
                throw Invalid(param, $"Not a valid URL", "url_invalid");
            }
        }
        var clientReference = Str(p, "client_reference_id");
        if (clientReference is { Length: > 200 })
        {
            throw Invalid("client_reference_id", "client_reference_id must be at most 200 characters.");
        }
        var intentData = p["payment_intent_data"] as JsonObject;
        AllowNested(intentData, "payment_intent_data", "metadata", "description", "receipt_email", "statement_descriptor_suffix");

        var id = "cs_test_" + RandomToken(58);
        var session = new JsonObject
        {
            ["id"] = id,
            ["object"] = "checkout.session",
            ["adaptive_pricing"] = null,
            ["after_expiration"] = null,
            ["allow_promotion_codes"] = null,
            ["amount_subtotal"] = total,
            ["amount_total"] = total,
            ["automatic_tax"] = new JsonObject { ["enabled"] = false, ["liability"] = null, ["provider"] = null, ["status"] = null },
            ["billing_address_collection"] = null,
            ["cancel_url"] = cancelUrl,
            ["client_reference_id"] = clientReference,
            ["client_secret"] = null,
            ["collected_information"] = null,
            ["consent"] = null,
            ["consent_collection"] = null,
            ["created"] = now,
            ["currency"] = currency,
            ["currency_conversion"] = null,
            ["custom_fields"] = new JsonArray(),
            ["custom_text"] = new JsonObject { ["after_submit"] = null, ["shipping_address"] = null, ["submit"] = null, ["terms_of_service_acceptance"] = null },
            ["customer"] = null,
            ["customer_account"] = null,
            ["customer_creation"] = "if_required",
            ["customer_details"] = null,
            ["customer_email"] = Str(p, "customer_email"),
            ["discounts"] = new JsonArray(),
            ["expires_at"] = expiresAt,
            ["invoice"] = null,
            ["invoice_creation"] = null,
            ["livemode"] = false,
            ["locale"] = locale,
            ["metadata"] = Metadata(p["metadata"], "metadata"),
            ["mode"] = mode,
            ["payment_intent"] = null,
            ["payment_link"] = null,
            ["payment_method_collection"] = "if_required",
            ["payment_method_configuration_details"] = null,
            ["payment_method_options"] = new JsonObject(),
            ["payment_method_types"] = new JsonArray("card"),
            ["payment_status"] = "unpaid",
            ["recovered_from"] = null,
            ["saved_payment_method_options"] = null,
            ["setup_intent"] = null,
            ["shipping_address_collection"] = null,
            ["shipping_cost"] = null,
            ["shipping_options"] = new JsonArray(),
            ["status"] = "open",
            ["submit_type"] = Str(p, "submit_type"),
            ["subscription"] = null,
            ["success_url"] = successUrl,
            ["total_details"] = new JsonObject { ["amount_discount"] = 0, ["amount_shipping"] = 0, ["amount_tax"] = 0 },
            ["ui_mode"] = "hosted_page",
            ["url"] = ApiBaseUrl + "/pay/" + id,
            ["wallet_options"] = null,
            // Kept for expand[]=line_items and the payment; Render hides it otherwise.
            ["line_items"] = new JsonObject { ["object"] = "list", ["data"] = lineItems, ["has_more"] = false, ["url"] = $"/v1/checkout/sessions/{id}/line_items" },
        };
        account.Objects[id] = session;
        // What the PaymentIntent will carry, as Stripe copies payment_intent_data into it.
        _intentData[id] = new JsonObject
        {
            ["metadata"] = Metadata(intentData?["metadata"], "payment_intent_data[metadata]"),
            ["description"] = intentData is null ? null : Str(intentData, "description"),
            ["receipt_email"] = intentData is null ? null : Str(intentData, "receipt_email"),
            ["statement_descriptor_suffix"] = intentData is null ? null : Str(intentData, "statement_descriptor_suffix"),
        };
        return Render(account, session, Expansions(p));
    }

    private readonly Dictionary<string, JsonObject> _intentData = new(StringComparer.Ordinal);

    /// <summary>A session whose expires_at has passed becomes expired (and says so with an event) the first time anyone looks.</summary>
    private void RefreshExpiry(Account account, JsonObject obj)
    {
        if (Str(obj, "object") == "checkout.session" && Str(obj, "status") == "open" && Long(obj["expires_at"]) <= Now())
        {
            Expire(account, obj, request: null);
        }
    }

    private void Expire(Account account, JsonObject session, ApiRequestInfo? request)
    {
        session["status"] = "expired";
        session["url"] = null;
        Emit(account, "checkout.session.expired", session, request);
    }

    private sealed record TestCard(string Brand, string Funding, string? Decline, string? DeclineCode);

    /// <summary>Stripe's test cards that the fake knows.</summary>
    private static readonly Dictionary<string, TestCard> TestCards = new(StringComparer.Ordinal)
    {
        ["4242424242424242"] = new("visa", "credit", null, null),
        ["4000056655665556"] = new("visa", "debit", null, null),
        ["5555555555554444"] = new("mastercard", "credit", null, null),
        ["378282246310005"] = new("amex", "credit", null, null),
        ["4000000000000002"] = new("visa", "credit", "Your card was declined.", "generic_decline"),
        ["4000000000009995"] = new("visa", "credit", "Your card has insufficient funds.", "insufficient_funds"),
        ["4000000000000069"] = new("visa", "credit", "Your card has expired.", "expired_card"),
    };

    /// <summary>The payment, shared by the hosted page and <see cref="PayAsync"/>: null on success, else the message to show.</summary>
    private string? TryPay(Account account, JsonObject session, string cardNumber, int expMonth, int expYear, string? name, out string? paymentIntentId)
    {
        paymentIntentId = null;
        if (Str(session, "status") != "open")
        {
            return SessionNotOpen;
        }
        var number = new string([.. cardNumber.Where(char.IsAsciiDigit)]);
        if (number.Length is < 12 or > 19 || !Luhn(number))
        {
            return "Your card number is invalid.";
        }
        if (expMonth is < 1 or > 12)
        {
            return "Your card's expiration month is invalid.";
        }
        var now = _options.TimeProvider.GetUtcNow();
        var fullYear = 2000 + expYear;
        if (fullYear < now.Year || (fullYear == now.Year && expMonth < now.Month))
        {
            return "Your card's expiration date is in the past.";
        }
        if (!TestCards.TryGetValue(number, out var card))
        {
            return "Your card was declined. Your request was in test mode, but used a non test card. For a list of valid test cards, visit: https://stripe.com/docs/testing.";
        }
        if (card.Decline is not null)
        {
            return card.Decline;
        }

        var id = Str(session, "id")!;
        var amount = Long(session["amount_total"]);
        var currency = Str(session, "currency")!;
        var intentData = _intentData[id];
        var created = Now();
        var intentIdValue = NewId("pi_");
        var chargeId = NewId("ch_");
        var paymentMethod = NewId("pm_");
        var customerDetails = new JsonObject
        {
            ["address"] = new JsonObject { ["city"] = null, ["country"] = "DE", ["line1"] = null, ["line2"] = null, ["postal_code"] = null, ["state"] = null },
            ["business_name"] = null,
            ["email"] = Str(session, "customer_email") ?? "customer@example.com",
            ["individual_name"] = null,
            ["name"] = name,
            ["phone"] = null,
            ["tax_exempt"] = "none",
            ["tax_ids"] = new JsonArray(),
        };
        var charge = new JsonObject
        {
            ["id"] = chargeId,
            ["object"] = "charge",
            ["amount"] = amount,
            ["amount_captured"] = amount,
            ["amount_refunded"] = 0,
            ["application"] = null,
            ["application_fee"] = null,
            ["application_fee_amount"] = null,
            ["balance_transaction"] = NewId("txn_"),
            ["billing_details"] = new JsonObject
            {
                ["address"] = customerDetails["address"]!.DeepClone(),
                ["email"] = customerDetails["email"]!.DeepClone(),
                ["name"] = name,
                ["phone"] = null,
                ["tax_id"] = null,
            },
            ["calculated_statement_descriptor"] = "SIGILL",
            ["captured"] = true,
            ["created"] = created,
            ["currency"] = currency,
            ["customer"] = null,
            ["description"] = intentData["description"]?.DeepClone(),
            ["disputed"] = false,
            ["failure_balance_transaction"] = null,
            ["failure_code"] = null,
            ["failure_message"] = null,
            ["fraud_details"] = new JsonObject(),
            ["livemode"] = false,
            ["metadata"] = intentData["metadata"]!.DeepClone(),
            ["on_behalf_of"] = null,
            ["outcome"] = new JsonObject
            {
                ["advice_code"] = null,
                ["network_advice_code"] = null,
                ["network_decline_code"] = null,
                ["network_status"] = "approved_by_network",
                ["reason"] = null,
                ["risk_level"] = "normal",
                ["risk_score"] = 20,
                ["seller_message"] = "Payment complete.",
                ["type"] = "authorized",
            },
            ["paid"] = true,
            ["payment_intent"] = intentIdValue,
            ["payment_method"] = paymentMethod,
            ["payment_method_details"] = new JsonObject
            {
                ["card"] = CardDetails(card, number, expMonth, fullYear),
                ["type"] = "card",
            },
            ["receipt_email"] = intentData["receipt_email"]?.DeepClone(),
            ["receipt_number"] = null,
            ["receipt_url"] = $"{ApiBaseUrl}/receipts/{chargeId}",
            ["refunded"] = false,
            ["review"] = null,
            ["shipping"] = null,
            ["source_transfer"] = null,
            ["statement_descriptor"] = null,
            ["statement_descriptor_suffix"] = intentData["statement_descriptor_suffix"]?.DeepClone(),
            ["status"] = "succeeded",
            ["transfer_data"] = null,
            ["transfer_group"] = null,
        };
        var intent = new JsonObject
        {
            ["id"] = intentIdValue,
            ["object"] = "payment_intent",
            ["amount"] = amount,
            ["amount_capturable"] = 0,
            ["amount_received"] = amount,
            ["application"] = null,
            ["application_fee_amount"] = null,
            ["automatic_payment_methods"] = null,
            ["canceled_at"] = null,
            ["cancellation_reason"] = null,
            ["capture_method"] = "automatic_async",
            ["client_secret"] = intentIdValue + "_secret_" + RandomToken(24),
            ["confirmation_method"] = "automatic",
            ["created"] = created,
            ["currency"] = currency,
            ["customer"] = null,
            ["description"] = intentData["description"]?.DeepClone(),
            ["last_payment_error"] = null,
            ["latest_charge"] = chargeId,
            ["livemode"] = false,
            ["metadata"] = intentData["metadata"]!.DeepClone(),
            ["next_action"] = null,
            ["on_behalf_of"] = null,
            ["payment_method"] = paymentMethod,
            ["payment_method_configuration_details"] = null,
            ["payment_method_options"] = new JsonObject
            {
                ["card"] = new JsonObject { ["installments"] = null, ["mandate_options"] = null, ["network"] = null, ["request_three_d_secure"] = "automatic" },
            },
            ["payment_method_types"] = new JsonArray("card"),
            ["processing"] = null,
            ["receipt_email"] = intentData["receipt_email"]?.DeepClone(),
            ["review"] = null,
            ["setup_future_usage"] = null,
            ["shipping"] = null,
            ["statement_descriptor"] = null,
            ["statement_descriptor_suffix"] = intentData["statement_descriptor_suffix"]?.DeepClone(),
            ["status"] = "succeeded",
            ["transfer_data"] = null,
            ["transfer_group"] = null,
        };
        account.Objects[chargeId] = charge;
        account.Objects[intentIdValue] = intent;
        session["status"] = "complete";
        session["payment_status"] = "paid";
        session["payment_intent"] = intentIdValue;
        session["customer_details"] = customerDetails;
        session["url"] = null;
        Emit(account, "checkout.session.completed", session, request: null);
        Emit(account, "payment_intent.succeeded", intent, request: null);
        Emit(account, "charge.succeeded", charge, request: null);
        paymentIntentId = intentIdValue;
        return null;
    }

    private static JsonObject CardDetails(TestCard card, string number, int expMonth, int expYear) => new()
    {
        ["amount_authorized"] = null,
        ["authorization_code"] = "123456",
        ["brand"] = card.Brand,
        ["checks"] = new JsonObject { ["address_line1_check"] = null, ["address_postal_code_check"] = null, ["cvc_check"] = "pass" },
        ["country"] = "US",
        ["exp_month"] = expMonth,
        ["exp_year"] = expYear,
        ["extended_authorization"] = new JsonObject { ["status"] = "disabled" },
        ["fingerprint"] = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.ASCII.GetBytes(number)))[..16],
        ["funding"] = card.Funding,
        ["incremental_authorization"] = new JsonObject { ["status"] = "unavailable" },
        ["installments"] = null,
        ["last4"] = number[^4..],
        ["mandate"] = null,
        ["multicapture"] = new JsonObject { ["status"] = "unavailable" },
        ["network"] = card.Brand,
        ["network_token"] = new JsonObject { ["used"] = false },
        ["network_transaction_id"] = RandomToken(15),
        ["overcapture"] = new JsonObject { ["maximum_amount_capturable"] = 0, ["status"] = "unavailable" },
        ["regulated_status"] = "unregulated",
        ["three_d_secure"] = null,
        ["wallet"] = null,
    };

    private static bool Luhn(string digits)
    {
        var sum = 0;
        for (var i = 0; i < digits.Length; i++)
        {
            var d = digits[digits.Length - 1 - i] - '0';
            if (i % 2 == 1)
            {
                d = d * 2 > 9 ? d * 2 - 9 : d * 2;
            }
            sum += d;
        }
        return sum % 10 == 0;
    }

    private JsonObject CreateRefund(Account account, JsonObject p, ApiRequestInfo request)
    {
        Allow(p, "payment_intent", "charge", "amount", "metadata", "reason", "expand");
        JsonObject intent;
        if (Str(p, "payment_intent") is { } intentId)
        {
            intent = Lookup(account, intentId, "payment_intent", "payment_intent", "payment_intent");
        }
        else if (Str(p, "charge") is { } chargeId)
        {
            var charge = Lookup(account, chargeId, "charge", "charge", "charge");
            intent = Lookup(account, Str(charge, "payment_intent")!, "payment_intent", "payment_intent", "charge");
        }
        else
        {
            throw new StripeError(400, "invalid_request_error", "One of the following params should be provided for this request: payment_intent or charge.", "parameter_missing");
        }
        long? amount = p["amount"] is null ? null : Integer(p, "amount", "amount");
        if (amount is <= 0)
        {
            throw Invalid("amount", "Invalid positive integer", "parameter_invalid_integer");
        }
        var reason = Str(p, "reason");
        if (reason is not null and not ("duplicate" or "fraudulent" or "requested_by_customer"))
        {
            throw Invalid("reason", $"Invalid reason: must be one of duplicate, fraudulent, or requested_by_customer", "parameter_invalid_string");
        }
        var refund = CreateRefund(account, intent, amount, reason, Metadata(p["metadata"], "metadata"), request, out var error);
        return refund is null ? throw error! : Render(account, refund, Expansions(p));
    }

    private JsonObject? CreateRefund(Account account, JsonObject intent, long? amount, string? reason, JsonObject metadata, ApiRequestInfo? request, out StripeError? error)
    {
        error = null;
        if (Str(intent, "status") != "succeeded" || Str(intent, "latest_charge") is not { } chargeId)
        {
            error = new StripeError(400, "invalid_request_error", $"This PaymentIntent ({Str(intent, "id")}) does not have a successful charge to refund.", "charge_not_refundable");
            return null;
        }
        var charge = account.Objects[chargeId];
        var currency = Str(charge, "currency")!;
        var refunded = Long(charge["amount_refunded"]);
        var remaining = Long(charge["amount"]) - refunded;
        if (remaining == 0)
        {
            error = new StripeError(400, "invalid_request_error", $"Charge {chargeId} has already been refunded.", "charge_already_refunded");
            return null;
        }
        var refundAmount = amount ?? remaining;
        if (refundAmount > remaining)
        {
            error = new StripeError(400, "invalid_request_error",
                $"Refund amount ({FormatAmount(refundAmount, currency)}) is greater than unrefunded amount on charge ({FormatAmount(remaining, currency)})", "amount_too_large", "amount");
            return null;
        }
        if (ThreeDecimalCurrencies.Contains(currency) && refundAmount % 10 != 0)
        {
            error = new StripeError(400, "invalid_request_error", $"Amounts in {currency.ToUpperInvariant()} must have 0 as their last digit.", "invalid_amount", "amount");
            return null;
        }
        var refund = new JsonObject
        {
            ["id"] = NewId("re_"),
            ["object"] = "refund",
            ["amount"] = refundAmount,
            ["balance_transaction"] = NewId("txn_"),
            ["charge"] = chargeId,
            ["created"] = Now(),
            ["currency"] = currency,
            ["destination_details"] = new JsonObject
            {
                ["card"] = new JsonObject { ["reference"] = RandomToken(12), ["reference_status"] = "pending", ["reference_type"] = "acquirer_reference_number", ["type"] = "refund" },
                ["type"] = "card",
            },
            ["metadata"] = metadata,
            ["payment_intent"] = Str(intent, "id"),
            ["reason"] = reason,
            ["receipt_number"] = null,
            ["source_transfer_reversal"] = null,
            ["status"] = "succeeded",
            ["transfer_reversal"] = null,
        };
        account.Objects[Str(refund, "id")!] = refund;
        var previous = new JsonObject { ["amount_refunded"] = refunded };
        charge["amount_refunded"] = refunded + refundAmount;
        if (refundAmount == remaining)
        {
            charge["refunded"] = true;
            previous["refunded"] = false;
        }
        Emit(account, "charge.refunded", charge, request, previous);
        Emit(account, "refund.created", refund, request);
        return refund;
    }

    private string CreateDispute(Account account, JsonObject intent, string reason)
    {
        var chargeId = Str(intent, "latest_charge") ?? throw new InvalidOperationException("the payment intent has no charge");
        var charge = account.Objects[chargeId];
        var card = charge["payment_method_details"]!["card"]!;
        var dispute = new JsonObject
        {
            ["id"] = NewId("du_"),
            ["object"] = "dispute",
            ["amount"] = charge["amount"]!.DeepClone(),
            ["balance_transactions"] = new JsonArray(),
            ["charge"] = chargeId,
            ["created"] = Now(),
            ["currency"] = charge["currency"]!.DeepClone(),
            ["enhanced_eligibility_types"] = new JsonArray(),
            ["evidence"] = new JsonObject { ["customer_email_address"] = null, ["product_description"] = null, ["uncategorized_text"] = null },
            ["evidence_details"] = new JsonObject
            {
                ["due_by"] = Now() + 7 * 24 * 3600, ["has_evidence"] = false, ["past_due"] = false, ["submission_count"] = 0,
            },
            ["is_charge_refundable"] = false,
            ["livemode"] = false,
            ["metadata"] = new JsonObject(),
            ["payment_intent"] = Str(intent, "id"),
            ["payment_method_details"] = new JsonObject
            {
                ["card"] = new JsonObject { ["brand"] = card["brand"]!.DeepClone(), ["case_type"] = "chargeback", ["network_reason_code"] = "10.4" },
                ["type"] = "card",
            },
            ["reason"] = reason,
            ["status"] = "needs_response",
        };
        account.Objects[Str(dispute, "id")!] = dispute;
        charge["disputed"] = true;
        Emit(account, "charge.dispute.created", dispute, request: null);
        return Str(dispute, "id")!;
    }
}
