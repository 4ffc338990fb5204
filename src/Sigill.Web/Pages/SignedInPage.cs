using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Filters;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Sigill.Web.Accounts;
using Sigill.Web.Api;

namespace Sigill.Web.Pages;

/// <summary>
/// A page of a signed-in person (the sender's pages, the account, the organization). Without a session in the cookie it answers with the sign-in page; when the API says
/// the session ended, the cookie is cleared and the sign-in page shown. Calls go to the person's region with their session.
/// </summary>
public abstract class SignedInPage(ApiClient api, IDataProtectionProvider protection, WebTierOptions options) : PageModel
{
    private string _region = "";
    private string _session = "";

    protected ApiClient Api => api;

    /// <summary>Set by a handler when the API refused what the person asked; the page shows it in an alert.</summary>
    public string? Error { get; protected set; }

    public override async Task OnPageHandlerExecutionAsync(PageHandlerExecutingContext context, PageHandlerExecutionDelegate next)
    {
        if (AccountSession.Read(HttpContext, protection, options) is not { Session: { } secret } session)
        {
            context.Result = Redirect(SignInHere);
            return;
        }
        (_region, _session) = (session.Region, secret);
        var executed = await next();
        if (executed.Exception is ApiClient.SignedOutException)
        {
            executed.ExceptionHandled = true;
            AccountSession.Clear(HttpContext, options);
            executed.Result = Redirect(SignInHere);
        }
    }

    /// <summary>The sign-in page, coming back here afterwards (for a page that was being read; a form post goes to its page).</summary>
    private string SignInHere
    {
        get
        {
            var here = HttpMethods.IsGet(Request.Method) ? Request.Path + Request.QueryString : Request.Path.ToString();
            return SignInModel.Local(here) is { } next ? "/sign-in?next=" + Uri.EscapeDataString(next) : "/sign-in";
        }
    }

    protected Task<ApiClient.Reply<T>> GetAsync<T>(string path, CancellationToken ct) => api.CallAsync<T>(_region, _session, HttpMethod.Get, path, null, ct);

    protected Task<ApiClient.Reply<T>> SendAsync<T>(HttpMethod method, string path, object? body, CancellationToken ct) =>
        api.CallAsync<T>(_region, _session, method, path, body, ct);

    protected Task<ApiClient.Problem?> SendAsync(HttpMethod method, string path, object? body, CancellationToken ct) => api.CallAsync(_region, _session, method, path, body, ct);

    protected Task<byte[]?> BytesAsync(string path, int maxBytes, CancellationToken ct) => api.BytesAsync(_region, _session, path, maxBytes, ct);

    protected Task<ApiClient.Reply<T>> UploadAsync<T>(string path, MultipartFormDataContent content, CancellationToken ct) => api.UploadAsync<T>(_region, _session, path, content, ct);

    /// <summary>A PDF from the API, as a download under the file name the API gives (after the document's title) when <paramref name="download"/>.</summary>
    protected async Task<IActionResult> PdfAsync(HttpMethod method, string path, object? body, bool download, CancellationToken ct)
    {
        var (pdf, problem) = await api.PdfAsync(_region, _session, method, path, body, ct);
        if (pdf is null) return problem!.Status == 404 ? NotFound() : Answer(problem);
        HttpContext.Response.RegisterForDispose(pdf);
        var stream = await pdf.Content.ReadAsStreamAsync(ct);
        var name = pdf.Content.Headers.ContentDisposition is { } disposition ? disposition.FileNameStar ?? disposition.FileName?.Trim('"') : null;
        return download && name is not null ? File(stream, "application/pdf", name) : File(stream, "application/pdf");
    }

    /// <summary>A ZIP from the API streamed to the browser as a download under the API's file name (a privacy export).</summary>
    protected Task<IActionResult> ZipAsync(string path, CancellationToken ct) => DownloadAsync(path, "application/zip", "privacy-export.zip", ct);

    /// <summary>A file from the API streamed to the browser as a download under the API's file name (or <paramref name="fallbackName"/>).</summary>
    protected async Task<IActionResult> DownloadAsync(string path, string contentType, string fallbackName, CancellationToken ct)
    {
        var (file, problem) = await api.FileAsync(_region, _session, path, contentType, ct);
        if (file is null) return problem!.Status == 404 ? NotFound() : Answer(problem);
        HttpContext.Response.RegisterForDispose(file);
        Response.Headers.CacheControl = "no-store";
        var name = file.Content.Headers.ContentDisposition is { } disposition ? disposition.FileNameStar ?? disposition.FileName?.Trim('"') : null;
        return File(await file.Content.ReadAsStreamAsync(ct), contentType, name ?? fallbackName);
    }

    /// <summary>Shows the API's problem on the page, with its status.</summary>
    protected IActionResult Failed(ApiClient.Problem problem)
    {
        Error = problem.Describe();
        Response.StatusCode = problem.Status is >= 400 and < 600 ? problem.Status.Value : 400;
        return Page();
    }

    /// <summary>The API's problem as the whole answer, for a request that has no page to show it on (a PDF, a page whose data did not load).</summary>
    protected static ContentResult Answer(ApiClient.Problem problem) => new()
    {
        StatusCode = problem.Status is >= 400 and < 600 ? problem.Status : 502,
        Content = problem.Describe(),
        ContentType = "text/plain; charset=utf-8",
    };

    /// <summary>An API path segment from something a browser sent: escaped, so it can never change the path.</summary>
    protected static string Seg(string value) => Uri.EscapeDataString(value);
}
