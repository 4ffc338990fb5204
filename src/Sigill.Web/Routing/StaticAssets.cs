using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Extensions.FileProviders;

namespace Sigill.Web.Routing;

/// <summary>
/// The web tier's static assets (<c>Assets/**</c>, embedded in this assembly; pdf.js vendored under
/// <c>vendor/pdfjs</c>), served under <c>/assets</c>.
///
/// Caching: the assets are fingerprinted as a set. <see cref="Version"/> is a hash of every embedded asset, so it
/// changes whenever any of them does, and pages link to <c>/assets/{version}/…</c> (<see cref="Url"/>); modules import
/// each other by relative paths, so they stay inside the same version. Those URLs never change meaning, and are
/// served <c>public, max-age=31536000, immutable</c>. Anything else under <c>/assets</c> (the plain path, or another
/// version's path, which a page rendered by another web node during a rolling upgrade may ask for) is served with
/// <c>no-cache</c>: a browser keeps it but asks again (a 304 when nothing changed), so it is never stale.
/// </summary>
internal static class StaticAssets
{
    public const string Prefix = "/assets";
    public const string Immutable = "public, max-age=31536000, immutable";
    public const string Revalidate = "no-cache";

    private const string ResourcePrefix = "Sigill.Web.Assets.";
    private const string ImmutableItem = "sigill-asset-immutable";

    /// <summary>12 hex digits of SHA-256 over every embedded asset's name and bytes.</summary>
    public static readonly string Version = ComputeVersion();

    /// <summary>The versioned URL of an asset, e.g. <c>Url("site.css")</c>.</summary>
    public static string Url(string path) => $"{Prefix}/{Version}/{path}";

    public static IApplicationBuilder UseStaticAssets(this IApplicationBuilder app)
    {
        // /assets/{12 hex digits}/rest is the asset /assets/rest; only the current version may be cached for good.
        app.Use((context, next) =>
        {
            var path = context.Request.Path.Value ?? "";
            if (path.StartsWith(Prefix + "/", StringComparison.Ordinal) && path.Length > Prefix.Length + 14 && path[Prefix.Length + 13] == '/'
                && path.AsSpan(Prefix.Length + 1, 12).IndexOfAnyExcept("0123456789abcdef") < 0)
            {
                context.Items[ImmutableItem] = string.Equals(path.Substring(Prefix.Length + 1, 12), Version, StringComparison.Ordinal);
                context.Request.Path = Prefix + path[(Prefix.Length + 13)..];
            }
            return next(context);
        });
        var types = new FileExtensionContentTypeProvider();
        types.Mappings[".mjs"] = "text/javascript"; // JavaScript modules must be served as JavaScript or browsers refuse to run them
        return app.UseStaticFiles(new StaticFileOptions
        {
            RequestPath = Prefix,
            FileProvider = new EmbeddedFileProvider(typeof(StaticAssets).Assembly, "Sigill.Web.Assets"),
            ContentTypeProvider = types,
            OnPrepareResponse = file => file.Context.Response.Headers.CacheControl =
                file.Context.Items[ImmutableItem] is true ? Immutable : Revalidate,
        });
    }

    private static string ComputeVersion()
    {
        var assembly = typeof(StaticAssets).Assembly;
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal)).Order(StringComparer.Ordinal))
        {
            hash.AppendData(System.Text.Encoding.UTF8.GetBytes(name + "\n"));
            using var stream = assembly.GetManifestResourceStream(name)!;
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            hash.AppendData(copy.GetBuffer(), 0, (int)copy.Length);
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset())[..12];
    }
}
