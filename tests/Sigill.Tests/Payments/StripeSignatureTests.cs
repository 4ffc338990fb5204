using System.Text;
using Sigill.Api.Features.Payments;

namespace Sigill.Tests.Payments;

/// <summary>Stripe's webhook signature as Sigill checks it, against headers made the way Stripe (and the fake) makes them.</summary>
public sealed class StripeSignatureTests
{
    private const string Secret = "whsec_test_secret_for_signature_tests";
    private static readonly byte[] Payload = Encoding.UTF8.GetBytes("""{"id":"evt_1","type":"charge.refunded"}""");
    private static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeSeconds(1_800_000_000);
    private static readonly TimeSpan Tolerance = TimeSpan.FromMinutes(5);

    private static string Header(DateTimeOffset at, string secret = Secret, byte[]? payload = null) =>
        FakeStripe.SignatureHeader(Encoding.UTF8.GetString(payload ?? Payload), secret, at);

    [Fact]
    public void A_signature_made_with_the_secret_within_the_tolerance_is_accepted() =>
        StripeProcessor.VerifySignature(Payload, Header(Now.AddSeconds(-299)), Secret, Now, Tolerance);

    [Fact]
    public void Any_of_several_v1_signatures_may_match_during_a_secret_rotation()
    {
        var old = Header(Now, "whsec_the_previous_secret_of_the_endpoint").Split(',')[1];
        StripeProcessor.VerifySignature(Payload, Header(Now) + "," + old, Secret, Now, Tolerance);
        StripeProcessor.VerifySignature(Payload, $"t={Now.ToUnixTimeSeconds()},{old}," + Header(Now).Split(',')[1], Secret, Now, Tolerance);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("t=1800000000")]
    [InlineData("v1=00")]
    [InlineData("t=abc,v1=0000000000000000000000000000000000000000000000000000000000000000")]
    [InlineData("t=1800000000,v0=0000000000000000000000000000000000000000000000000000000000000000")]
    public void Missing_or_malformed_headers_are_refused(string? header) =>
        Assert.Throws<PaymentEventRefusedException>(() => StripeProcessor.VerifySignature(Payload, header, Secret, Now, Tolerance));

    [Fact]
    public void Another_secret_a_changed_body_and_a_stale_or_future_timestamp_are_refused()
    {
        Assert.Throws<PaymentEventRefusedException>(() => StripeProcessor.VerifySignature(Payload, Header(Now, "whsec_someone_elses_secret"), Secret, Now, Tolerance));
        Assert.Throws<PaymentEventRefusedException>(() => StripeProcessor.VerifySignature(Encoding.UTF8.GetBytes("""{"id":"evt_1","type":"charge.refunded" }"""), Header(Now), Secret, Now, Tolerance));
        Assert.Throws<PaymentEventRefusedException>(() => StripeProcessor.VerifySignature(Payload, Header(Now.AddSeconds(-301)), Secret, Now, Tolerance));
        Assert.Throws<PaymentEventRefusedException>(() => StripeProcessor.VerifySignature(Payload, Header(Now.AddSeconds(301)), Secret, Now, Tolerance));
    }
}
