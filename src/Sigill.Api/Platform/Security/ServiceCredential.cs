using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Sigill.Api.Platform.Errors;

namespace Sigill.Api.Platform.Security;

/// <summary>
/// The API tier answers only the web tier. Every request must carry the per-installation service
/// credential in <see cref="SigillHeaders.ServiceCredential"/>; the web tier's pass-through overwrites any value a client
/// sends. Checked first in the pipeline, before routing, so an unauthenticated caller learns nothing
/// about which routes exist. Comparison is constant-time over SHA-256 digests (equal lengths).
/// </summary>
public static class ServiceCredential
{
    public static IApplicationBuilder UseServiceCredential(this IApplicationBuilder app, string expected)
    {
        var expectedHash = SHA256.HashData(Encoding.UTF8.GetBytes(expected));
        return app.Use(async (context, next) =>
        {
            var presented = context.Request.Headers[SigillHeaders.ServiceCredential].ToString();
            if (presented.Length == 0 || !CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(presented)), expectedHash))
            {
                context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                await context.Response.WriteAsJsonAsync(new ProblemDetails
                {
                    Status = 401,
                    Title = "This service answers only Sigill's web tier.",
                    Type = Platform.Errors.Problems.DocsBase + ErrorCodes.ServiceCredentialRequired,
                    Extensions = { ["code"] = ErrorCodes.ServiceCredentialRequired },
                }, options: null, contentType: "application/problem+json");
                return;
            }
            // The credential is not needed past this point; keep it out of anything downstream.
            context.Request.Headers.Remove(SigillHeaders.ServiceCredential);
            await next(context);
        });
    }
}
