using Microsoft.AspNetCore.OpenApi;

namespace Sigill.Api.Platform.OpenApi;

/// <summary>
/// The OpenAPI document of the public REST API, generated from the endpoints themselves (so it cannot drift
/// from the code) and served at <see cref="Path"/> — through the web tier's <c>/api/v1</c> pass-through too.
/// Health and metrics endpoints are operator plumbing and stay out of it.
/// </summary>
internal static class OpenApiSetup
{
    public const string Path = "/api/v1/openapi.json";

    public static void Configure(OpenApiOptions options)
    {
        options.ShouldInclude = d => d.RelativePath is { } path && (path.StartsWith("api/v1", StringComparison.Ordinal) || path.StartsWith("audit/", StringComparison.Ordinal));
        options.AddDocumentTransformer((document, _, _) =>
        {
            document.Info.Title = "Sigill API";
            document.Info.Version = "v1";
            document.Info.Description = "Documents, templates, signing links, webhooks and the audit log. Authenticate with an API token "
                + "(Authorization: Bearer sgl_…); recipient endpoints under /api/v1/signing/{token} take the link token instead. "
                + "Errors are RFC 9457 problem details with a stable code (docs/errors.md).";
            return Task.CompletedTask;
        });
    }
}
