using Microsoft.Extensions.Configuration;

namespace Sigill.Api.Features.Documents;

/// <summary>Section <c>Documents</c>: upload limit (default 50 MB) and default link expiry.</summary>
public sealed class DocumentOptions
{
    public long MaxPdfBytes { get; set; } = 50L * 1024 * 1024;
    public int DefaultExpiryDays { get; set; } = 30;

    public static DocumentOptions Bind(IConfiguration configuration)
    {
        var options = new DocumentOptions();
        configuration.GetSection("Documents").Bind(options);
        if (options.MaxPdfBytes is < 1024 or > 1024L * 1024 * 1024)
        {
            throw new InvalidOperationException("invalid API tier configuration: Documents:MaxPdfBytes must be between 1 KiB and 1 GiB");
        }
        if (options.DefaultExpiryDays is < 1 or > 3650)
        {
            throw new InvalidOperationException("invalid API tier configuration: Documents:DefaultExpiryDays must be 1-3650");
        }
        return options;
    }
}
