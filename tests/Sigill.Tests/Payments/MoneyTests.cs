using Sigill.Api.Features.Payments;

namespace Sigill.Tests.Payments;

/// <summary>Decimal totals to the processor's minor units: exact or refused, never rounded.</summary>
public sealed class MoneyTests
{
    [Theory]
    [InlineData("1250.00", "EUR", 125000)]
    [InlineData("67.58", "SEK", 6758)]
    [InlineData("0.01", "USD", 1)]
    [InlineData("1000", "JPY", 1000)]
    [InlineData("1000.00", "JPY", 1000)]
    [InlineData("5300", "KRW", 5300)]
    [InlineData("12.340", "KWD", 12340)]
    [InlineData("999999.99", "EUR", 99999999)]
    public void Exact_totals_convert_to_minor_units(string amount, string currency, long minor)
    {
        var (converted, problem) = Money.ToMinorUnits(decimal.Parse(amount, System.Globalization.CultureInfo.InvariantCulture), currency);
        Assert.Null(problem);
        Assert.Equal(minor, converted);
        Assert.Equal(decimal.Parse(amount, System.Globalization.CultureInfo.InvariantCulture), Money.FromMinorUnits(converted, currency));
    }

    [Theory]
    [InlineData("1000.50", "JPY")] // half a yen does not exist
    [InlineData("10.005", "EUR")] // a tenth of a cent
    [InlineData("12.345", "KWD")] // Stripe takes KWD only in multiples of 0.010
    [InlineData("0", "EUR")]
    [InlineData("-5", "EUR")]
    [InlineData("1000000.00", "EUR")] // above a single payment's limit
    [InlineData("79228162514264337593543950335", "EUR")] // decimal.MaxValue: refused, not an overflow
    [InlineData("10", "eur")]
    [InlineData("10", "EURO")]
    [InlineData("10", "")]
    public void Totals_the_currency_cannot_express_exactly_are_refused(string amount, string currency)
    {
        var (_, problem) = Money.ToMinorUnits(decimal.Parse(amount, System.Globalization.CultureInfo.InvariantCulture), currency);
        Assert.NotNull(problem);
    }

    [Fact]
    public void Amounts_are_formatted_with_the_currencys_decimals()
    {
        Assert.Equal("1,250.00 EUR", Money.Format(125000, "EUR"));
        Assert.Equal("1,000 JPY", Money.Format(1000, "JPY"));
        Assert.Equal("12.340 KWD", Money.Format(12340, "KWD"));
    }
}
