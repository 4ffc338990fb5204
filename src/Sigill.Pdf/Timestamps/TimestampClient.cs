using System.Formats.Asn1;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Security.Cryptography.Pkcs;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace Sigill.Pdf.Timestamps;

/// <summary>How the client talks to its TSAs; the defaults suit a public TSA on the internet.</summary>
public sealed record TimestampClientSettings
{
    public HashAlgorithmName HashAlgorithm { get; init; } = HashAlgorithmName.SHA256;

    /// <summary>Per TSA attempt, connection and answer included.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Room reserved per token in a PDF; real TSAs with a three-certificate RSA-4096 chain send about 8 KB.</summary>
    public int MaxTokenBytes { get; init; } = 12 * 1024;

    /// <summary>How far a token's time may be from this server's clock; further means a broken or lying clock.</summary>
    public TimeSpan MaxClockSkew { get; init; } = TimeSpan.FromMinutes(5);
}

/// <summary>
/// RFC 3161 over HTTP (RFC 3161 §3.4: POST <c>application/timestamp-query</c>, answer
/// <c>application/timestamp-reply</c>) to one or more TSAs tried in order. Each request carries a fresh 64-bit nonce
/// and asks for the TSA's certificate; each answer must be granted and pass <see cref="TimestampTokens.Check"/>
/// plus a clock check. A TSA that fails any of it is skipped for the next; when all fail the caller gets one
/// <see cref="TimestampException"/> naming each failure, and must not sign as if it had a time.
/// </summary>
public sealed class TimestampClient : ITimestampAuthority
{
    private readonly HttpClient _http;
    private readonly IReadOnlyList<TimestampServer> _servers;
    private readonly TimestampClientSettings _settings;
    private readonly X509Certificate2Collection _anchors;
    private readonly TimeProvider _time;
    private readonly TrustedChains _trusted = new();

    /// <param name="http">Used for every TSA; its own timeout should be at least <see cref="TimestampClientSettings.Timeout"/>.</param>
    public TimestampClient(HttpClient http, IReadOnlyList<TimestampServer> servers, TimestampClientSettings settings, X509Certificate2Collection trustAnchors, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(servers);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(trustAnchors);
        if (servers.Count == 0) throw new ArgumentException("at least one TSA", nameof(servers));
        if (trustAnchors.Count == 0) throw new ArgumentException("at least one trust anchor for the TSAs' certificates", nameof(trustAnchors));
        TimestampTokens.OidOf(settings.HashAlgorithm);
        (_http, _servers, _settings, _anchors, _time) = (http, servers, settings, trustAnchors, time ?? TimeProvider.System);
    }

    public HashAlgorithmName HashAlgorithm => _settings.HashAlgorithm;

    public int MaxTokenBytes => _settings.MaxTokenBytes;

    public async Task<byte[]> TimestampAsync(ReadOnlyMemory<byte> digest, CancellationToken cancellationToken)
    {
        var failures = new List<(TimestampServer Server, TimestampException Error)>();
        foreach (var server in _servers)
        {
            try
            {
                return await AskAsync(server, digest, cancellationToken);
            }
            catch (TimestampException e)
            {
                failures.Add((server, e));
            }
        }
        var worst = failures.Any(f => f.Error.Failure == TimestampFailure.Invalid) ? TimestampFailure.Invalid
            : failures.Any(f => f.Error.Failure == TimestampFailure.Refused) ? TimestampFailure.Refused
            : TimestampFailure.Unavailable;
        throw new TimestampException(worst, "no timestamp authority gave a usable token: " + string.Join("; ", failures.Select(f => $"{f.Server}: {f.Error.Message}")));
    }

    private async Task<byte[]> AskAsync(TimestampServer server, ReadOnlyMemory<byte> digest, CancellationToken cancellationToken)
    {
        var nonce = RandomNumberGenerator.GetBytes(8);
        nonce[0] = (byte)(1 + (nonce[0] % 127)); // positive, and no leading zero byte for a TSA to drop
        var request = Rfc3161TimestampRequest.CreateFromHash(digest, _settings.HashAlgorithm, requestedPolicyId: null, nonce: nonce, requestSignerCertificates: true);
        byte[] body;
        using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            timeout.CancelAfter(_settings.Timeout);
            try
            {
                using var message = new HttpRequestMessage(HttpMethod.Post, server.Url) { Content = new ByteArrayContent(request.Encode()) };
                message.Content.Headers.ContentType = new MediaTypeHeaderValue("application/timestamp-query");
                if (server.Username is not null)
                {
                    var credential = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{server.Username}:{server.Password}"));
                    message.Headers.Authorization = new AuthenticationHeaderValue("Basic", credential);
                }
                using var response = await _http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
                if (!response.IsSuccessStatusCode)
                {
                    throw new TimestampException(TimestampFailure.Unavailable, $"HTTP {(int)response.StatusCode}");
                }
                body = await ReadLimitedAsync(response.Content, _settings.MaxTokenBytes + 4096, timeout.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new TimestampException(TimestampFailure.Unavailable, $"no answer within {_settings.Timeout.TotalSeconds:0.#} s");
            }
            catch (HttpRequestException e)
            {
                throw new TimestampException(TimestampFailure.Unavailable, "unreachable (" + (e.HttpRequestError.ToString()) + ")", e);
            }
        }
        var token = ReadGrantedToken(body);
        if (token.Length > _settings.MaxTokenBytes)
        {
            throw new TimestampException(TimestampFailure.Invalid, $"the token is {token.Length} bytes, over the {_settings.MaxTokenBytes} reserved for it");
        }
        // A token from a TSA certificate checked before takes the short path; any other, or one it cannot accept, the
        // full check. The path comes from (or goes into) the trusted-chain memory, shared: not disposed here.
        var checkedToken = KnownTsaTokens.TryCheck(token, digest.Span, _settings.HashAlgorithm, nonce, _trusted)
            ?? TimestampTokens.Check(TimestampTokens.Decode(token), digest.Span, _settings.HashAlgorithm, nonce, _anchors, _trusted);
        var skew = (checkedToken.Time - _time.GetUtcNow()).Duration();
        if (skew > _settings.MaxClockSkew)
        {
            throw new TimestampException(TimestampFailure.Invalid, $"the token's time {checkedToken.Time:u} is {skew.TotalMinutes:0} minutes from this server's clock");
        }
        return token;
    }

    private static async Task<byte[]> ReadLimitedAsync(HttpContent content, int limit, CancellationToken ct)
    {
        if (content.Headers.ContentLength > limit) throw new TimestampException(TimestampFailure.Invalid, "the answer is larger than any token Sigill accepts");
        await using var stream = await content.ReadAsStreamAsync(ct);
        var buffer = new byte[limit + 1];
        var total = 0;
        int read;
        while ((read = await stream.ReadAsync(buffer.AsMemory(total), ct)) > 0)
        {
            total += read;
            if (total > limit) throw new TimestampException(TimestampFailure.Invalid, "the answer is larger than any token Sigill accepts");
        }
        return buffer[..total];
    }

    // TimeStampResp ::= SEQUENCE { status PKIStatusInfo, timeStampToken TimeStampToken OPTIONAL }
    // PKIStatusInfo ::= SEQUENCE { status INTEGER, statusString SEQUENCE OF UTF8String OPTIONAL, failInfo BIT STRING OPTIONAL }
    // status 0 = granted, 1 = grantedWithMods; anything else carries no token.
    private static byte[] ReadGrantedToken(byte[] body)
    {
        try
        {
            var response = new AsnReader(body, AsnEncodingRules.DER).ReadSequence();
            var statusInfo = response.ReadSequence();
            var status = (int)statusInfo.ReadInteger();
            if (status is not (0 or 1))
            {
                var text = statusInfo.HasData && statusInfo.PeekTag().HasSameClassAndValue(Asn1Tag.Sequence)
                    ? string.Join(" ", ReadFreeText(statusInfo.ReadSequence())) : "";
                throw new TimestampException(TimestampFailure.Refused, $"the TSA refused the request (status {status}{(text.Length > 0 ? ": " + text : "")})");
            }
            if (!response.HasData) throw new TimestampException(TimestampFailure.Invalid, "a granted answer without a token");
            return response.ReadEncodedValue().ToArray();
        }
        catch (AsnContentException e)
        {
            throw new TimestampException(TimestampFailure.Unavailable, "the answer is not a time-stamp response", e);
        }
    }

    private static IEnumerable<string> ReadFreeText(AsnReader sequence)
    {
        var texts = new List<string>();
        while (sequence.HasData && texts.Count < 4)
        {
            var t = sequence.ReadCharacterString(UniversalTagNumber.UTF8String);
            texts.Add(t.Length > 200 ? t[..200] : t);
        }
        return texts;
    }
}
