using System.Globalization;
using Sigill.Pdf;

namespace Sigill.Api.Platform.Security;

/// <summary>A card number found in text: its scheme and its masked form. The number itself is never kept.</summary>
internal readonly record struct CardNumberHit(string Scheme, string Masked);

/// <summary>
/// Finds payment card numbers (PANs) in text, so that Sigill never accepts or stores card data (issue 17): request text
/// (<see cref="RequestText"/>), the text of uploaded PDFs, and what a cell stores (<c>sigill residency report</c>).
/// <para>
/// A candidate is a number standing as its own word — digits bounded by characters that are neither letters, digits nor
/// <c>_</c>, so digits inside a token, a key, an id or a base64url string are not candidates — written either as one run
/// of 12–19 digits or in the groups people type, joined by single spaces or hyphens (or a no-break or thin space, or a
/// Unicode hyphen): 4-4-4-4 and its like (groups of four, the last of one to four, 12–19 digits in all), Amex's 4-6-5 and
/// Diners' 4-6-4. Any script's decimal digits count. A candidate is a card number when its Luhn checksum is right and
/// its length and leading digits are one of the major schemes' (<see cref="Scheme"/>).
/// </para>
/// <para>
/// What keeps near-misses out:
/// <list type="bullet">
/// <item>IBANs, order and reference numbers written with their letters ("SE45 5000 0000 …", "DE89 3704 …", "A1 4242…"):
/// a word that mixes letters and digits, joined to the digit groups by single separators, makes the whole run something
/// other than a card number, and so does an IBAN's bank code after it ("GB29 NWBK 6016 …"). Another word of letters only
/// ("card 4242 …") just ends the run.</item>
/// <item>Longer runs of four-digit groups (an IBAN's digits, an account number): a 4-4-4-4 window whose run goes on with
/// another group of four on either side is not a card number.</item>
/// <item>Phone numbers, dates, amounts, UUIDs: their groups are not a card's (2-2-3-2-2, 4-2-2, 8-4-4-4-12), their
/// punctuation (<c>+ / : .</c>) ends a run, and a number's leading digits must match a scheme: no card begins with 0, 1,
/// 7, 8 or 9. Decimal numbers (<c>-4.387332384609988</c> in a script or a JSON document): digits on either side of a
/// decimal point are not a number of their own.</item>
/// <item>Invoice ids and other 13–19 digit numbers: nine in ten fail the Luhn check; the rest must also carry a scheme's
/// prefix and length. One in a few hundred random 16-digit numbers still passes all of it — that is what a card number
/// looks like, and the refusal names the field so a person can tell.</item>
/// <item>Encoded binary: callers skip fields that are not text for people (base64 images: <see cref="RequestText.EncodedFields"/>).
/// Elsewhere, in base64 text, a run of 12+ digits between <c>+</c> or <c>/</c> occurs about once in 10^10 positions.</item>
/// </list>
/// Deliberately not caught: numbers spelled out or broken by other characters ("4242.4242…", "4 2 4 2 …") — the detector
/// keeps card data out by accident, not from someone set on smuggling it.
/// </para>
/// <para>
/// Hot path, kept in one file on purpose: it runs on every string of every request. A string with fewer than
/// <see cref="MinDigits"/> digits is dismissed by one pass that allocates nothing; the scan itself allocates nothing
/// either, and only a hit makes a string (the masked number). Linear in the text's length.
/// </para>
/// </summary>
internal static class CardNumbers
{
    /// <summary>The fewest digits of any scheme's card number (Maestro).</summary>
    public const int MinDigits = 12;

    /// <summary>The most digits of any scheme's card number.</summary>
    public const int MaxDigits = 19;

    /// <summary>The first card number in <paramref name="text"/>, if there is one.</summary>
    public static bool TryFind(ReadOnlySpan<char> text, out CardNumberHit hit)
    {
        hit = default;
        return HasDigits(text, MinDigits) && Scan(text, ref hit);
    }

    /// <summary>
    /// The first card number in stored bytes of any kind (a database file, a log, a decrypted object), read as text two
    /// ways: byte by byte (ASCII, UTF-8 and Latin-1 digits are the same bytes) and as UTF-16LE at both alignments. The
    /// bytes are read in windows of <see cref="ByteWindow"/> characters, each ending just after a character that is
    /// neither part of a word nor a separator (in binary data, the next NUL or control byte), or else just before a word
    /// that begins with a letter, so no number is cut in two and no window begins inside a word.
    /// </summary>
    public static bool TryFindInBytes(ReadOnlySpan<byte> bytes, out CardNumberHit hit)
    {
        hit = default;
        var buffer = System.Buffers.ArrayPool<char>.Shared.Rent(ByteWindow);
        try
        {
            for (var view = 0; view < 3; view++)
            {
                // View 0: one character per byte. Views 1 and 2: UTF-16LE from offset 0 and 1.
                var source = view == 2 ? bytes[Math.Min(1, bytes.Length)..] : bytes;
                var step = view == 0 ? 1 : 2;
                var length = source.Length / step;
                for (var start = 0; start < length;)
                {
                    var end = Math.Min(length, start + ByteWindow);
                    for (var i = start; i < end; i++) buffer[i - start] = step == 1 ? (char)source[i] : (char)(source[2 * i] | (source[2 * i + 1] << 8));
                    if (end < length)
                    {
                        // End the window after its last character that neither continues a word nor separates groups;
                        // in prose without punctuation, before its last word that begins with a letter.
                        var cut = end - start;
                        while (cut > 0 && (IsWordChar(buffer[cut - 1]) || IsSeparator(buffer[cut - 1]))) cut--;
                        if (cut == 0)
                        {
                            cut = end - start - 1;
                            while (cut > 0 && !(IsSeparator(buffer[cut - 1]) && char.IsLetter(buffer[cut]))) cut--;
                        }
                        if (cut > 0) end = start + cut;
                    }
                    if (TryFind(buffer.AsSpan(0, end - start), out hit)) return true;
                    start = end;
                }
            }
            return false;
        }
        finally
        {
            System.Buffers.ArrayPool<char>.Shared.Return(buffer, clearArray: true);
        }
    }

    /// <summary>Characters of stored bytes scanned at once by <see cref="TryFindInBytes"/>.</summary>
    private const int ByteWindow = 64 * 1024;

    /// <summary>
    /// The first card number in the text of <paramref name="pdf"/> (<see cref="PdfText"/>), with its page (0: outside the
    /// pages' content: document information, form fields, annotations). Throws <see cref="PdfRejectedException"/> as the
    /// inspection does when the text cannot be read within <paramref name="limits"/>.
    /// </summary>
    public static bool TryFindInPdf(ReadOnlyMemory<byte> pdf, PdfLimits limits, out int page, out CardNumberHit hit)
    {
        var (foundPage, found) = (0, default(CardNumberHit?));
        PdfText.Read(pdf, limits, chunk =>
        {
            if (!TryFind(chunk.Text, out var h)) return true;
            (foundPage, found) = (chunk.Page, h);
            return false;
        });
        page = foundPage;
        hit = found.GetValueOrDefault();
        return found is not null;
    }

    /// <summary>Throws <see cref="CardNumberRefusedException"/> naming <paramref name="field"/> when <paramref name="text"/> holds a card number.</summary>
    public static void Refuse(string field, string? text)
    {
        if (text is not null && TryFind(text, out var hit)) throw new CardNumberRefusedException(field, hit);
    }

    /// <summary>
    /// Throws <see cref="CardNumberRefusedException"/> for the field <c>file</c>, saying where, when the text of an uploaded
    /// PDF holds a card number; <see cref="PdfRejectedException"/> when its text cannot be read within the limits.
    /// </summary>
    public static void RefuseInPdf(ReadOnlyMemory<byte> pdf, PdfLimits limits)
    {
        if (TryFindInPdf(pdf, limits, out var page, out var hit))
        {
            throw new CardNumberRefusedException("file", hit, page == 0 ? "the PDF's form fields, annotations or document information " : $"page {page} of the PDF ");
        }
    }

    /// <summary>
    /// The scheme a card number of these digits belongs to (IIN ranges and lengths as the schemes publish them), or null.
    /// Visa 4 (13, 16, 19 digits); Mastercard 51–55 and 2221–2720 (16); American Express 34, 37 (15); Discover 6011,
    /// 644–649, 65, 622126–622925 (16–19); UnionPay 62 (16–19); JCB 3528–3589 (16–19); Diners Club 300–305, 3095, 36,
    /// 38, 39 (14–19); Mir 2200–2204 (16–19); Maestro 5018, 5020, 5038, 5893, 6304, 6759, 6761–6763 (12–19).
    /// </summary>
    public static string? Scheme(ReadOnlySpan<byte> digits)
    {
        var n = digits.Length;
        if (n is < MinDigits or > MaxDigits) return null;
        var p2 = digits[0] * 10 + digits[1];
        var p3 = p2 * 10 + digits[2];
        var p4 = p3 * 10 + digits[3];
        var p6 = (p4 * 10 + digits[4]) * 10 + digits[5];
        var sixteenUp = n is >= 16 and <= 19;
        if (digits[0] == 4) return n is 13 or 16 or 19 ? "Visa" : null;
        if (p2 is 34 or 37) return n == 15 ? "American Express" : null;
        if (p2 is >= 51 and <= 55 || p4 is >= 2221 and <= 2720) return n == 16 ? "Mastercard" : null;
        if (p4 == 6011 || p3 is >= 644 and <= 649 || p2 == 65 || p6 is >= 622126 and <= 622925) return sixteenUp ? "Discover" : null;
        if (p2 == 62) return sixteenUp ? "UnionPay" : null;
        if (p4 is >= 3528 and <= 3589) return sixteenUp ? "JCB" : null;
        if (p3 is >= 300 and <= 305 || p4 == 3095 || p2 is 36 or 38 or 39) return n >= 14 ? "Diners Club" : null;
        if (p4 is >= 2200 and <= 2204) return sixteenUp ? "Mir" : null;
        return p4 is 5018 or 5020 or 5038 or 5893 or 6304 or 6759 or 6761 or 6762 or 6763 ? "Maestro" : null;
    }

    public static bool Luhn(ReadOnlySpan<byte> digits)
    {
        var sum = 0;
        for (int i = digits.Length - 1, doubled = 0; i >= 0; i--, doubled ^= 1)
        {
            var d = digits[i] << doubled;
            sum += d > 9 ? d - 9 : d;
        }
        return sum % 10 == 0;
    }

    /// <summary>
    /// At most the first six and the last four digits, and never fewer than six hidden: 424242…4242 for 16 digits,
    /// 37828…0005 for Amex's 15, 50…1234 for a 12-digit Maestro. What logs, problems and reports may show.
    /// </summary>
    public static string Mask(ReadOnlySpan<byte> digits)
    {
        var leading = Math.Clamp(digits.Length - 10, 0, 6);
        Span<char> text = stackalloc char[leading + 5];
        for (var i = 0; i < leading; i++) text[i] = (char)('0' + digits[i]);
        text[leading] = '…';
        for (var i = 0; i < 4; i++) text[leading + 1 + i] = (char)('0' + digits[digits.Length - 4 + i]);
        return new string(text);
    }

    /// <summary>Whether <paramref name="text"/> holds at least <paramref name="wanted"/> digits: the cheap test before a scan.</summary>
    private static bool HasDigits(ReadOnlySpan<char> text, int wanted)
    {
        var count = 0;
        foreach (var c in text)
        {
            if ((uint)(c - '0') <= 9 || (c > 0x7F && char.IsDigit(c)))
            {
                if (++count == wanted) return true;
            }
        }
        return false;
    }

    private static bool IsDigit(char c) => (uint)(c - '0') <= 9 || (c > 0x7F && char.IsDigit(c));

    private static int DigitValue(char c) => (uint)(c - '0') <= 9 ? c - '0' : CharUnicodeInfo.GetDecimalDigitValue(c);

    /// <summary>Letters, digits, <c>_</c> and combining marks: what a word (an id, a token, a name) is made of.</summary>
    private static bool IsWordChar(char c) => c < 0x80
        ? char.IsAsciiLetterOrDigit(c) || c == '_'
        : char.IsLetterOrDigit(c) || CharUnicodeInfo.GetUnicodeCategory(c) is UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark;

    /// <summary>Four capital letters: the bank code inside British, Irish and Dutch IBANs (GB29 NWBK 6016 1331 9268 19).</summary>
    private static bool IsBankCode(ReadOnlySpan<char> word) => word.Length == 4 && !word.ContainsAnyExceptInRange('A', 'Z');

    /// <summary>What people put between the groups of a card number.</summary>
    private static bool IsSeparator(char c) => c is ' ' or '-' or '\u00A0' or '\u2007' or '\u2009' or '\u202F' or '\u2010' or '\u2011';

    /// <summary>A group of digits in a run: where it lies and how many digits it has.</summary>
    private record struct Group(int Start, int End, int Digits);

    /// <summary>
    /// One pass over the text, word by word. Words joined by single separators form a run; a word of letters ends it, a
    /// word mixing letters and digits taints it (no window of a tainted run counts), and so does a decimal point before or after it. The digit groups of a run go through
    /// a ring of the last eight, and the windows ending at a group are judged once the next group (or the run's end) is
    /// known, since a window's right-hand neighbour decides whether it is a card number or part of a longer number. The
    /// first window that is a card number is held until the run ends, and reported if the run was not tainted.
    /// </summary>
    private static bool Scan(ReadOnlySpan<char> text, ref CardNumberHit hit)
    {
        Span<Group> ring = stackalloc Group[8];
        Span<byte> digits = stackalloc byte[MaxDigits];
        var i = 0;
        while (i < text.Length)
        {
            if (!IsWordChar(text[i]))
            {
                i++;
                continue;
            }
            // A run: words joined by single separators. Digits right after a decimal point are a fraction, not a number.
            int count = 0, pendingStart = -1, pendingEnd = -1;
            var tainted = i >= 2 && text[i - 1] == '.' && IsDigit(text[i - 2]);
            while (true)
            {
                var start = i;
                int wordDigits = 0, wordLetters = 0;
                while (i < text.Length && IsWordChar(text[i]))
                {
                    if (IsDigit(text[i])) wordDigits++;
                    else wordLetters++;
                    i++;
                }
                if (wordDigits == 0 && tainted && IsBankCode(text[start..i]))
                {
                    // "GB29 NWBK 6016 …": an IBAN's bank code keeps the run tainted.
                }
                else if (wordDigits == 0)
                {
                    Close(text, ring, count, digits, ref pendingStart, ref pendingEnd);
                    if (Report(text, pendingStart, pendingEnd, tainted, digits, ref hit)) return true;
                    (count, pendingStart, pendingEnd, tainted) = (0, -1, -1, false);
                }
                else if (wordLetters > 0)
                {
                    tainted = true;
                }
                else
                {
                    if (count > 0 && pendingStart < 0 && !tainted)
                    {
                        Judge(text, ring, count - 1, wordDigits, digits, ref pendingStart, ref pendingEnd);
                    }
                    ring[count % ring.Length] = new Group(start, i, wordDigits);
                    count++;
                }
                if (i + 1 < text.Length && IsSeparator(text[i]) && IsWordChar(text[i + 1]))
                {
                    i++;
                    continue;
                }
                break;
            }
            tainted |= i + 1 < text.Length && text[i] == '.' && IsDigit(text[i + 1]); // the whole part of a decimal number
            Close(text, ring, count, digits, ref pendingStart, ref pendingEnd);
            if (!tainted && Report(text, pendingStart, pendingEnd, tainted, digits, ref hit)) return true;
        }
        return false;
    }

    /// <summary>The run has ended: the windows ending at its last group are judged with nothing to their right.</summary>
    private static void Close(ReadOnlySpan<char> text, Span<Group> ring, int count, Span<byte> digits, ref int pendingStart, ref int pendingEnd)
    {
        if (count > 0 && pendingStart < 0) Judge(text, ring, count - 1, rightDigits: 0, digits, ref pendingStart, ref pendingEnd);
    }

    private static bool Report(ReadOnlySpan<char> text, int start, int end, bool tainted, Span<byte> digits, ref CardNumberHit hit)
    {
        if (tainted || start < 0) return false;
        var n = Digits(text[start..end], digits);
        hit = new CardNumberHit(Scheme(digits[..n])!, Mask(digits[..n]));
        return true;
    }

    /// <summary>
    /// Judges the windows of groups that end at group <paramref name="e"/> (an index into the run; the ring holds it and
    /// the five before it), knowing the group after it (<paramref name="rightDigits"/> digits, 0 when the run ends).
    /// Records the first window that is a card number.
    /// </summary>
    private static void Judge(ReadOnlySpan<char> text, Span<Group> ring, int e, int rightDigits, Span<byte> digits, ref int pendingStart, ref int pendingEnd)
    {
        var last = ring[e % ring.Length];
        var total = 0;
        for (var s = e; s >= 0 && s > e - 5; s--)
        {
            var first = ring[s % ring.Length];
            total += first.Digits;
            if (total > MaxDigits) return;
            if (total < MinDigits) continue;
            var groups = e - s + 1;
            bool shaped;
            if (groups == 1)
            {
                shaped = true; // one run of 12–19 digits
            }
            else if (groups == 3 && first.Digits == 4 && ring[(s + 1) % ring.Length].Digits == 6 && last.Digits is 4 or 5)
            {
                shaped = true; // Amex 4-6-5, Diners 4-6-4
            }
            else
            {
                // Groups of four, the last of one to four, not continuing a longer run of fours on either side.
                shaped = last.Digits is >= 1 and <= 4 && !(last.Digits == 4 && rightDigits == 4) && !(s > 0 && ring[(s - 1) % ring.Length].Digits == 4);
                for (var k = s; k < e && shaped; k++) shaped = ring[k % ring.Length].Digits == 4;
            }
            if (!shaped) continue;
            var n = Digits(text[first.Start..last.End], digits);
            if (Luhn(digits[..n]) && Scheme(digits[..n]) is not null)
            {
                (pendingStart, pendingEnd) = (first.Start, last.End);
                return;
            }
        }
    }

    /// <summary>The digit values of a window (its separators skipped), at most <see cref="MaxDigits"/>.</summary>
    private static int Digits(ReadOnlySpan<char> window, Span<byte> into)
    {
        var n = 0;
        foreach (var c in window)
        {
            if (IsDigit(c) && n < into.Length) into[n++] = (byte)DigitValue(c);
        }
        return n;
    }
}
