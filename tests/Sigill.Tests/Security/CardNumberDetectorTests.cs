using System.Text;
using Sigill.Api.Platform.Security;

namespace Sigill.Tests.Security;

/// <summary>
/// The card-number detector on its own: the schemes' published test numbers are found however people type them, and the
/// numbers that only look like card numbers (order numbers, IBANs, phone numbers, invoice ids, dates, UUIDs) pass.
/// </summary>
public sealed class CardNumberDetectorTests
{
    /// <summary>Test numbers the schemes and their processors publish, with the scheme each belongs to.</summary>
    public static readonly TheoryData<string, string> PublishedTestNumbers = new()
    {
        { "4242424242424242", "Visa" },
        { "4012888888881881", "Visa" },
        { "4000056655665556", "Visa" },
        { "4111111111111111", "Visa" },
        { "4222222222222", "Visa" }, // 13 digits
        { "5555555555554444", "Mastercard" },
        { "2223003122003222", "Mastercard" },
        { "5105105105105100", "Mastercard" },
        { "378282246310005", "American Express" },
        { "371449635398431", "American Express" },
        { "6011111111111117", "Discover" },
        { "6011000990139424", "Discover" },
        { "3056930009020004", "Diners Club" },
        { "36227206271667", "Diners Club" }, // 14 digits
        { "3566002020360505", "JCB" },
        { "6200000000000005", "UnionPay" },
        { "6759649826438453", "Maestro" },
        { "2200000000000004", "Mir" },
    };

    [Theory]
    [MemberData(nameof(PublishedTestNumbers))]
    public void A_published_test_number_is_found_alone_and_in_a_sentence_with_its_scheme(string number, string scheme)
    {
        foreach (var text in new[] { number, $"Please charge {number} today.", $"card:{number}", $"({number})", $"\"{number}\"", $"pan={number}&x=1" })
        {
            Assert.True(CardNumbers.TryFind(text, out var hit), text);
            Assert.Equal(scheme, hit.Scheme);
        }
    }

    [Theory]
    [InlineData("4242 4242 4242 4242")]
    [InlineData("4242-4242-4242-4242")]
    [InlineData("4242\u00A04242\u00A04242\u00A04242")] // no-break spaces, as a word processor joins them
    [InlineData("Card: 4242 4242 4242 4242, exp 12/27")]
    [InlineData("card 4242 4242 4242 4242 12/27")] // the expiry follows the number
    [InlineData("Order 12 4242 4242 4242 4242")] // a short number before it
    [InlineData("3782 822463 10005")] // American Express as printed, 4-6-5
    [InlineData("3782-8224-6310-005")] // American Express in fours
    [InlineData("3622 720627 1667")] // Diners Club, 4-6-4
    [InlineData("6011 1111 1111 1117 and some text after")]
    [InlineData("line one\nmy card is 5555 5555 5555 4444\nline three")]
    [InlineData("٤٢٤٢٤٢٤٢٤٢٤٢٤٢٤٢")] // Arabic-Indic digits are digits
    public void A_card_number_is_found_as_people_type_it(string text)
    {
        Assert.True(CardNumbers.TryFind(text, out _), text);
    }

    [Theory]
    [InlineData("Order 100234-5567-8890")] // an order number
    [InlineData("Order no. 2024-000123456")]
    [InlineData("SE45 5000 0000 0583 9825 7466")] // a Swedish IBAN as printed
    [InlineData("SE4550000000058398257466")] // and as typed
    [InlineData("DE89 3704 0044 0532 0130 00")] // a German IBAN as printed
    [InlineData("DE89370400440532013000")]
    [InlineData("IBAN: GB29 NWBK 6016 1331 9268 19")]
    [InlineData("IBAN: GB82 WEST 3600 0000 0000 08")] // its 14 digits would pass as Diners Club: the bank code keeps them an IBAN
    [InlineData("+46 70 123 45 67")] // phone numbers
    [InlineData("+1 (415) 555-2671")]
    [InlineData("0046701234567")]
    [InlineData("+4915123456789")]
    [InlineData("Invoice 4242424242424241")] // 16 digits, Visa's prefix, wrong check digit
    [InlineData("Invoice 1234567890123456")] // 16 digits failing Luhn
    [InlineData("Invoice 5105105105105101")]
    [InlineData("Ref 9000000000000001")] // Luhn-valid, but no card begins with 9
    [InlineData("Ref 1000000000000008")] // nor with 1
    [InlineData("Ref 7000000000000000003")] // nor with 7
    [InlineData("Signed 2026-12-05 at 14:03:22")] // dates and times
    [InlineData("D:20261205140322+01'00'")]
    [InlineData("20261205140322")]
    [InlineData("550e8400-e29b-41d4-a716-446655440000")] // a UUID
    [InlineData("12345678-1234-1234-1234-123456789012")] // an all-digit UUID-shaped id
    [InlineData("Total 4 242,42 EUR for 16 items")]
    [InlineData("order_4242424242424242")] // digits inside an identifier
    [InlineData("sk_test_4eC39HqLyjWDarjtT1zdp7dc")] // keys and tokens
    [InlineData("rk_live_51H4242424242424242abcdefghij")]
    [InlineData("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")]
    [InlineData("sgl_us_4242424242424242424242424242424242424242")]
    [InlineData("4242424242424242abc")] // a word, not a number
    [InlineData("12 34 56 78 90 12 34 56")] // pairs are not a card's groups
    [InlineData("4242 4242 4242 4242 4242")] // five groups of four: an account number
    [InlineData("1111 4242 4242 4242 4242")]
    [InlineData("424242 4242424242")] // 6-10 is not a card's grouping
    [InlineData("4242 42424242 4242")]
    [InlineData("42424242424242424242")] // 20 digits
    [InlineData("4242.4242.4242.4242")] // dots separate decimals, not card groups
    [InlineData("r*(-4.387332384609988*r+54.48615194189176*i)")] // the fraction of a decimal number (pdf.js has this one)
    [InlineData("{\"total\":4242424242424242.5}")] // and its whole part
    [InlineData("")]
    [InlineData("A short title")]
    public void A_number_that_only_looks_like_a_card_number_passes(string text)
    {
        Assert.False(CardNumbers.TryFind(text, out var hit), $"{text}: {hit}");
    }

    [Fact]
    public void A_hit_is_shown_with_at_most_the_first_six_and_last_four_digits()
    {
        Assert.True(CardNumbers.TryFind("pay with 4242 4242 4242 4242", out var visa));
        Assert.Equal("424242…4242", visa.Masked);
        Assert.True(CardNumbers.TryFind("378282246310005", out var amex));
        Assert.Equal("37828…0005", amex.Masked); // 15 digits: six stay hidden
        Assert.True(CardNumbers.TryFind("36227206271667", out var diners));
        Assert.Equal("3622…1667", diners.Masked);
        Assert.DoesNotContain("4242424242424242", visa.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_number_in_a_run_tainted_by_letters_does_not_hide_a_card_number_in_another_run()
    {
        Assert.True(CardNumbers.TryFind("IBAN SE45 5000 0000 0583 9825 7466, card 4242 4242 4242 4242", out var hit));
        Assert.Equal("424242…4242", hit.Masked);
        Assert.False(CardNumbers.TryFind("ref A1 4242 4242 4242 4242", out _)); // joined to a word of letters and digits: an id
    }

    [Fact]
    public void A_long_text_is_scanned_to_its_end()
    {
        var text = new StringBuilder();
        for (var i = 0; i < 20_000; i++) text.Append("Line ").Append(i).Append(": 2024-01-05, +46 70 123 45 67, order 100234-5567.\n");
        Assert.False(CardNumbers.TryFind(text.ToString(), out _));
        text.Append("and at the very end 5555555555554444");
        Assert.True(CardNumbers.TryFind(text.ToString(), out var hit));
        Assert.Equal("Mastercard", hit.Scheme);
    }

    [Fact]
    public void Stored_bytes_are_read_as_ascii_and_as_utf16()
    {
        var utf8 = Encoding.UTF8.GetBytes("\0\0{\"title\":\"4111 1111 1111 1111\"}\0");
        Assert.True(CardNumbers.TryFindInBytes(utf8, out var ascii));
        Assert.Equal("411111…1111", ascii.Masked);
        foreach (var offset in new[] { 0, 1 })
        {
            var utf16 = new byte[offset].Concat(Encoding.Unicode.GetBytes("x 6011111111111117 y")).ToArray();
            Assert.True(CardNumbers.TryFindInBytes(utf16, out var wide), $"UTF-16LE at offset {offset}");
            Assert.Equal("Discover", wide.Scheme);
        }
        var noise = new byte[1 << 20];
#pragma warning disable SCS0005 // seeded noise keeps the test reproducible; nothing secret is drawn
        new Random(17).NextBytes(noise);
#pragma warning restore SCS0005
        Assert.False(CardNumbers.TryFindInBytes(noise, out _));
        // A number that straddles the scanner's 64 Ki-character windows is still found whole.
        foreach (var filler in new[] { "\0", "lorem ipsum " })
        {
            var before = string.Concat(Enumerable.Repeat(filler, 65_530 / filler.Length + 1))[..65_530];
            var straddling = Encoding.ASCII.GetBytes(before + " 4000 0566 5566 5556 end");
            Assert.True(CardNumbers.TryFindInBytes(straddling, out var across), $"after {filler}");
            Assert.Equal("400005…5556", across.Masked);
        }
    }

    [Fact]
    public void Base64_images_are_not_scanned_as_text_and_base64_digits_rarely_line_up()
    {
        Assert.Contains("drawnPng", (IReadOnlySet<string>)RequestText.EncodedFields);
        Assert.Contains("png", (IReadOnlySet<string>)RequestText.EncodedFields);
        // Ten thousand random base64 strings of 4 KiB: digits between '+' and '/' never make a card number.
#pragma warning disable SCS0005 // seeded noise keeps the test reproducible; nothing secret is drawn
        var random = new Random(42);
        var bytes = new byte[3072];
        for (var i = 0; i < 10_000; i++)
        {
            random.NextBytes(bytes);
            Assert.False(CardNumbers.TryFind(Convert.ToBase64String(bytes), out _));
        }
#pragma warning restore SCS0005
    }

    [Fact]
    public void Text_without_enough_digits_is_dismissed_without_allocating()
    {
        const string Title = "Employment agreement 2026 for Åsa Öberg, 3 pages";
        CardNumbers.TryFind(Title, out _);
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1000; i++) CardNumbers.TryFind(Title, out _);
        CardNumbers.TryFind("Invoice 1234567890123456 (fails Luhn) and 2024-01-05", out _); // scanned, no hit
        Assert.Equal(before, GC.GetAllocatedBytesForCurrentThread());
    }

    [Theory]
    [InlineData("4242424242424242", true)]
    [InlineData("4242424242424241", false)]
    [InlineData("79927398713", true)]
    public void Luhn_is_the_standard_check(string digits, bool valid)
    {
        Assert.Equal(valid, CardNumbers.Luhn([.. digits.Select(c => (byte)(c - '0'))]));
    }
}
