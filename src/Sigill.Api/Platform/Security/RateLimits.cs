using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Sigill.Api.Features.Accounts;
using Sigill.Http;

namespace Sigill.Api.Platform.Security;

/// <summary>
/// The <c>RateLimits</c> section: requests per second a client may make to the API tier, as token buckets — a burst,
/// refilled at a steady rate. Two buckets apply to every request and both must have a token: one per client address
/// (the one the web tier forwards; IPv6 by its /64) and one per credential (the bearer token or session). 0 turns a
/// bucket off. The buckets live in each API node's memory: behind N nodes a client gets up to N times the rate.
/// </summary>
public sealed class RateLimitOptions : IValidatedOptions
{
    public int PerAddressPerSecond { get; set; } = 200;
    public int PerAddressBurst { get; set; } = 1000;
    public int PerCredentialPerSecond { get; set; } = 100;
    public int PerCredentialBurst { get; set; } = 500;

    public static OptionsBuilder<RateLimitOptions> Register(IServiceCollection services) => services.AddSigillOptions<RateLimitOptions>("RateLimits");

    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        foreach (var (name, rate, burst) in new[] { ("PerAddress", PerAddressPerSecond, PerAddressBurst), ("PerCredential", PerCredentialPerSecond, PerCredentialBurst) })
        {
            if (rate is < 0 or > 1_000_000) problems.Add($"RateLimits:{name}PerSecond must be between 0 (off) and 1000000");
            if (rate > 0 && (burst < 1 || burst > 10_000_000)) problems.Add($"RateLimits:{name}Burst must be between 1 and 10000000");
        }
        return problems;
    }
}

/// <summary>
/// Applies <see cref="RateLimitOptions"/> before authentication, so a flood of bad credentials costs no credential
/// check. A request over either bucket gets <c>429 rate_limited</c> problem details with <c>Retry-After</c> and the
/// <c>RateLimit-Limit</c>, <c>RateLimit-Remaining</c> and <c>RateLimit-Reset</c> headers of the bucket that refused it.
/// Health and metrics endpoints are not limited (the web tier and Prometheus poll them).
/// </summary>
public static class RateLimits
{
    private sealed record Bucket(string Name, int PerSecond, int Burst, PartitionedRateLimiter<HttpContext> Limiter);

    public static IApplicationBuilder UseRateLimits(this IApplicationBuilder app, RateLimitOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var buckets = new List<Bucket>();
        if (options.PerAddressPerSecond > 0)
        {
            buckets.Add(Create("address", options.PerAddressPerSecond, options.PerAddressBurst, http => Throttle.SourceOf(http) is var s && s != "none" ? s : null));
        }
        if (options.PerCredentialPerSecond > 0)
        {
            buckets.Add(Create("credential", options.PerCredentialPerSecond, options.PerCredentialBurst, CredentialOf));
        }
        return buckets.Count == 0 ? app : app.Use(async (http, next) =>
        {
            if (http.Request.Path.StartsWithSegments("/health") || http.Request.Path.StartsWithSegments(ApiHost.MetricsPath))
            {
                await next(http);
                return;
            }
            foreach (var bucket in buckets)
            {
                using var lease = bucket.Limiter.AttemptAcquire(http);
                if (!lease.IsAcquired)
                {
                    await RefuseAsync(http, bucket, lease);
                    return;
                }
            }
            await next(http);
        });
    }

    private static Bucket Create(string name, int perSecond, int burst, Func<HttpContext, string?> key) =>
        new(name, perSecond, burst, PartitionedRateLimiter.Create<HttpContext, string>(http => key(http) is { } k
            ? RateLimitPartition.GetTokenBucketLimiter(k, _ => new TokenBucketRateLimiterOptions
            {
                TokenLimit = burst,
                TokensPerPeriod = perSecond,
                ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                QueueLimit = 0,
                AutoReplenishment = true,
            })
            : RateLimitPartition.GetNoLimiter("")));

    /// <summary>A keyed digest of the credential (never the credential itself as a dictionary key in memory dumps); null without one.</summary>
    private static string? CredentialOf(HttpContext http)
    {
        var authorization = http.Request.Headers.Authorization.ToString();
        return authorization.Length == 0 ? null : Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(authorization)), 0, 16);
    }

    private static async Task RefuseAsync(HttpContext http, Bucket bucket, RateLimitLease lease)
    {
        var wait = lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? retryAfter : TimeSpan.FromSeconds(1);
        var seconds = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds));
        http.Response.StatusCode = StatusCodes.Status429TooManyRequests;
        http.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        http.Response.Headers["RateLimit-Limit"] = bucket.Burst.ToString(CultureInfo.InvariantCulture);
        http.Response.Headers["RateLimit-Remaining"] = "0";
        http.Response.Headers["RateLimit-Reset"] = seconds.ToString(CultureInfo.InvariantCulture);
        await http.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
        {
            HttpContext = http,
            ProblemDetails = new ProblemDetails
            {
                Status = StatusCodes.Status429TooManyRequests,
                Title = "Too many requests.",
                Detail = string.Create(CultureInfo.InvariantCulture,
                    $"More than {bucket.PerSecond} requests a second (bursts of {bucket.Burst}) from one {bucket.Name} (RateLimits:Per{char.ToUpperInvariant(bucket.Name[0])}{bucket.Name[1..]}PerSecond); retry after {seconds} s."),
            },
        });
    }
}
