using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Sigill.Api.Platform.Cells;

namespace Sigill.Api.Features.Signing;

/// <summary>
/// The stable, anonymous addresses written into every certificate a region CA issues (<c>Timestamps:PublicBaseUrl</c>
/// + <c>/pki/{region}/…</c>, served through the web tier): <c>ca.crl</c>, the region's current CRL (RFC 5280 CRL
/// distribution point), and <c>ca.cer</c>, the CA certificate (AIA caIssuers). Both DER, both cacheable for an hour.
/// </summary>
public static class PkiPublication
{
    public static IEndpointRouteBuilder MapPkiPublication(this IEndpointRouteBuilder app)
    {
        app.MapGet("/pki/{region}/ca.crl", Crl).WithTags("PKI").AllowAnonymous();
        app.MapGet("/pki/{region}/ca.cer", Certificate).WithTags("PKI").AllowAnonymous();
        return app;
    }

    private static async Task<Results<FileContentHttpResult, NotFound>> Crl(string region, CellRegistry cells, SigningKeys keys, HttpContext http, CancellationToken ct)
    {
        if (!cells.TryGet(region, out var cell)) return TypedResults.NotFound();
        http.Response.Headers.CacheControl = "public, max-age=3600";
        return TypedResults.File(await keys.CrlAsync(cell, ct), "application/pkix-crl", "ca.crl");
    }

    private static async Task<Results<FileContentHttpResult, NotFound>> Certificate(string region, CellRegistry cells, SigningKeys keys, HttpContext http, CancellationToken ct)
    {
        if (!cells.TryGet(region, out var cell)) return TypedResults.NotFound();
        using var root = await keys.RootAsync(cell, ct);
        http.Response.Headers.CacheControl = "public, max-age=3600";
        return TypedResults.File(root.RawData, "application/pkix-cert", "ca.cer");
    }
}
