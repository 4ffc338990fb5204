using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Sigill.Api.Platform.Cells;

namespace Sigill.Api.Features.Signing;

/// <summary>
/// Publishes each region's root certificate (public; anyone verifying a sealed PDF needs it):
/// <c>GET /api/v1/pki/{region}/root.pem</c>. The private key never leaves the cell's key hierarchy.
/// </summary>
public static class PkiEndpoints
{
    public static IEndpointRouteBuilder MapPki(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/pki/{region}/root.pem", Root).WithTags("PKI").AllowAnonymous();
        return app;
    }

    private static async Task<Results<ContentHttpResult, NotFound>> Root(string region, CellRegistry cells, SigningKeys keys, CancellationToken ct)
    {
        if (!cells.TryGet(region, out var cell)) return TypedResults.NotFound();
        using var root = await keys.RootAsync(cell, ct);
        return TypedResults.Text(root.ExportCertificatePem() + "\n", "application/x-pem-file");
    }
}
