using System.Globalization;
using Microsoft.AspNetCore.Html;

namespace Sigill.Web.Pages;

/// <summary>
/// A moment on a page: written in UTC (what the evidence says, and what a browser without script shows), marked for
/// Assets/local-times.js, which rewrites it in the reader's own time zone and keeps the UTC text as its tooltip.
/// </summary>
public static class Times
{
    public static IHtmlContent Utc(DateTime time, bool seconds = false)
    {
        var utc = time.Kind == DateTimeKind.Local ? time.ToUniversalTime() : DateTime.SpecifyKind(time, DateTimeKind.Utc);
        var text = utc.ToString(seconds ? "yyyy-MM-dd HH:mm:ss" : "yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);
        var machine = utc.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        return new HtmlString($"<time datetime=\"{machine}\" data-local=\"{(seconds ? "s" : "m")}\">{text} UTC</time>");
    }

    public static IHtmlContent Utc(DateTime? time, bool seconds = false) => time is { } t ? Utc(t, seconds) : HtmlString.Empty;
}
