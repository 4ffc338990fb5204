using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace Sigill.Tests.Payments;

// The hosted payment page: a plain HTML form, no JavaScript, as little of Checkout as a browser test needs.
public sealed partial class FakeStripe
{
    private async Task HandlePageAsync(HttpContext context, string sessionId)
    {
        string html;
        string? redirect = null;
        var status = 200;
        if (context.Request.Method == "POST" && context.Request.HasFormContentType)
        {
            var form = await context.Request.ReadFormAsync();
            lock (_gate)
            {
                var found = FindSession(sessionId);
                if (found is not { } pair)
                {
                    (status, html) = (404, Page("Not found", "<p>This payment page does not exist.</p>"));
                }
                else
                {
                    var (account, session) = pair;
                    var problem = ParseExpiry(form["exp"].ToString(), out var month, out var year)
                        ?? TryPay(account, session, form["cardnumber"].ToString(), month, year, NullIfEmpty(form["name"].ToString()), out _);
                    if (problem is null)
                    {
                        var successUrl = Str(session, "success_url");
                        redirect = successUrl?.Replace("{CHECKOUT_SESSION_ID}", sessionId, StringComparison.Ordinal);
                        html = Page("Payment complete", "<p>Thanks for your payment.</p>");
                    }
                    else if (problem == SessionNotOpen)
                    {
                        html = ClosedPage(session);
                    }
                    else if (form["cvc"].ToString() is not { Length: 3 or 4 } cvc || !cvc.All(char.IsAsciiDigit))
                    {
                        (status, html) = (402, FormPage(session, "Your card's security code is incomplete."));
                    }
                    else
                    {
                        (status, html) = (402, FormPage(session, problem));
                    }
                }
            }
        }
        else
        {
            lock (_gate)
            {
                var found = FindSession(sessionId);
                (status, html) = found is not { } pair ? (404, Page("Not found", "<p>This payment page does not exist.</p>"))
                    : Str(pair.Session, "status") == "open" ? (200, FormPage(pair.Session, error: null))
                    : (200, ClosedPage(pair.Session));
            }
        }
        if (redirect is not null)
        {
            context.Response.StatusCode = 303;
            context.Response.Headers.Location = redirect;
            return;
        }
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/html; charset=utf-8";
        await context.Response.WriteAsync(html);
    }

    private static string? NullIfEmpty(string s) => s.Length == 0 ? null : s;

    /// <summary>"MM/YY" (or "MM / YY"): null when it parses, else the message to show.</summary>
    private static string? ParseExpiry(string text, out int month, out int year)
    {
        month = 0;
        year = 0;
        var parts = text.Replace(" ", "", StringComparison.Ordinal).Split('/');
        return parts.Length == 2 && parts[0].Length is 1 or 2 && parts[1].Length == 2
            && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out month)
            && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out year)
            ? null : "Your card's expiration date is incomplete.";
    }

    private static string E(string? s) => WebUtility.HtmlEncode(s ?? "");

    private static string Page(string title, string body) => $$"""
        <!DOCTYPE html>
        <html lang="en">
        <head><meta charset="utf-8"><title>{{E(title)}} · FakeStripe Checkout</title>
        <style>body{font-family:sans-serif;max-width:28rem;margin:2rem auto}label{display:block;margin:.5rem 0}input{width:100%}.error{color:#b00}</style></head>
        <body>
        <h1>{{E(title)}}</h1>
        {{body}}
        </body>
        </html>
        """;

    private static string Summary(JsonObject session)
    {
        var html = new StringBuilder("<ul class=\"items\">");
        foreach (var item in session["line_items"]!["data"]!.AsArray())
        {
            html.Append(CultureInfo.InvariantCulture, $"<li>{E(Str(item!.AsObject(), "description"))} × {item["quantity"]}: {E(FormatAmount(Long(item["amount_total"]), Str(item.AsObject(), "currency")!))}</li>");
        }
        html.Append("</ul>");
        html.Append(CultureInfo.InvariantCulture,
            $"<p>Total: <strong class=\"amount\" data-amount=\"{session["amount_total"]}\" data-currency=\"{E(Str(session, "currency"))}\">{E(FormatAmount(Long(session["amount_total"]), Str(session, "currency")!))}</strong></p>");
        return html.ToString();
    }

    private static string FormPage(JsonObject session, string? error)
    {
        var id = Str(session, "id")!;
        var cancel = Str(session, "cancel_url");
        var body = new StringBuilder(Summary(session));
        if (error is not null)
        {
            body.Append(CultureInfo.InvariantCulture, $"<p class=\"error\" role=\"alert\">{E(error)}</p>");
        }
        body.Append(CultureInfo.InvariantCulture, $"""
            <form method="post" action="/pay/{E(id)}">
            <label>Card number <input name="cardnumber" autocomplete="cc-number" inputmode="numeric" required></label>
            <label>Expiry (MM/YY) <input name="exp" autocomplete="cc-exp" placeholder="MM/YY" required></label>
            <label>CVC <input name="cvc" autocomplete="cc-csc" inputmode="numeric" required></label>
            <label>Name on card <input name="name" autocomplete="cc-name"></label>
            <button type="submit">Pay {E(FormatAmount(Long(session["amount_total"]), Str(session, "currency")!))}</button>
            </form>
            """);
        if (cancel is not null)
        {
            body.Append(CultureInfo.InvariantCulture, $"<p><a href=\"{E(cancel)}\">Cancel</a></p>");
        }
        return Page("Pay", body.ToString());
    }

    private static string ClosedPage(JsonObject session) => Str(session, "status") == "complete"
        ? Page("Payment complete", "<p class=\"closed\">This Checkout Session is complete: it has already been paid.</p>")
        : Page("Session expired", "<p class=\"closed\">This Checkout Session has expired.</p>");
}
