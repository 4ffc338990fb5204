using System.Text;
using Sigill.Tests.Infrastructure;

namespace Sigill.Tests.Browser;

/// <summary>Bulk send in Chromium: choose a CSV, check it in place (a bad row shown with its cell), send, watch it complete, download the report; then check an .xlsx.</summary>
public sealed class BulkSendBrowserTests(Chromium chromium) : IClassFixture<Chromium>
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_sender_checks_a_csv_sends_it_and_sees_it_complete(bool mobile)
    {
        await using var app = await SigillApp.StartAsync();
        await using var b = await chromium.NewSessionAsync(app.WebUrl, mobile: mobile);
        var page = b.Page;
        await b.SignUpAsync(app, "Bo Bulk", "bo.bulk@example.com", "Bulk AB", "eu");
        await page.GotoAsync("/templates/new");
        await page.ClickAsync("#save-template");
        await page.WaitForSelectorAsync("#saved");
        await page.GotoAsync("/templates");
        await page.ClickAsync("text=Bulk send");
        await page.WaitForSelectorAsync("#bulk-form");
        Assert.Equal("name,email,client,scope", (await page.InnerTextAsync("#sample-header")).Trim());
        await b.CheckPageAsync($"bulk-send-form{(mobile ? "-phone" : "")}");

        var csv = "name,email,client,scope\r\n" +
            "Ada Lovelace,ada@example.com,Engines Ltd,Analysis\r\n" +
            "Grace Hopper,not-an-address,\"Navy, US\",Compilers\r\n" +
            "Alan Turing,alan@example.com,=1+2,Machines\r\n";
        await page.SetInputFilesAsync("#file", new Microsoft.Playwright.FilePayload { Name = "offers.csv", MimeType = "text/csv", Buffer = Encoding.UTF8.GetBytes(csv) });
        await page.FillAsync("#title", "Spring proposal");
        var url = page.Url;
        await page.ClickAsync("#preview");
        await page.WaitForSelectorAsync("#preview-counts");
        Assert.Equal(url, page.Url); // checked in place: the file stays chosen
        Assert.Contains("2 of 3 rows can be sent; 1 will be skipped", await page.InnerTextAsync("#preview-counts"), StringComparison.Ordinal);
        Assert.Contains("Row 2: email: not a single e-mail address", await page.InnerTextAsync("#preview-errors"), StringComparison.Ordinal);
        Assert.Equal(1, await page.Locator("#preview-rows td.bad-cell").CountAsync());
        Assert.Contains("=1+2", await page.InnerTextAsync("#preview-rows"), StringComparison.Ordinal); // shown as text
        await b.CheckPageAsync($"bulk-send-preview{(mobile ? "-phone" : "")}");

        await page.ClickAsync("#send");
        await page.WaitForURLAsync("**/bulk-sends/bls_*");
        await page.WaitForSelectorAsync("#progress-title:text('Done')", new() { Timeout = 60_000 });
        Assert.Equal("2", await page.InnerTextAsync("#count-sent"));
        Assert.Equal("1", await page.InnerTextAsync("#count-skipped"));
        Assert.Contains("email: not a single e-mail address", await page.InnerTextAsync("#skipped"), StringComparison.Ordinal);
        await b.CheckPageAsync($"bulk-send-done{(mobile ? "-phone" : "")}");
        var download = await page.RunAndWaitForDownloadAsync(() => page.ClickAsync("#report"));
        var report = await File.ReadAllTextAsync(await download.PathAsync());
        Assert.StartsWith("row,status,document,problems", report, StringComparison.Ordinal);
        Assert.Contains("2,skipped,,email: not a single e-mail address", report, StringComparison.Ordinal);

        await page.GotoAsync("/documents");
        Assert.Equal(2, await page.Locator("text=Spring proposal").CountAsync());

        // The same rows as an Excel workbook are checked the same way.
        await page.GotoAsync(url);
        Assert.Contains(".xlsx", await page.GetAttributeAsync("#file", "accept") ?? "", StringComparison.Ordinal);
        var workbook = Documents.XlsxWorkbook.FromRows([.. csv.Split("\r\n", StringSplitOptions.RemoveEmptyEntries).Select(line => line.Replace("\"Navy, US\"", "Navy; US", StringComparison.Ordinal).Split(','))]);
        await page.SetInputFilesAsync("#file", new Microsoft.Playwright.FilePayload { Name = "offers.xlsx", MimeType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", Buffer = workbook });
        await page.ClickAsync("#preview");
        await page.WaitForSelectorAsync("#preview-counts");
        Assert.Contains("2 of 3 rows can be sent; 1 will be skipped", await page.InnerTextAsync("#preview-counts"), StringComparison.Ordinal);
        Assert.Contains("Navy; US", await page.InnerTextAsync("#preview-rows"), StringComparison.Ordinal);
        Assert.Contains("=1+2", await page.InnerTextAsync("#preview-rows"), StringComparison.Ordinal);
        await b.CheckPageAsync($"bulk-send-xlsx-preview{(mobile ? "-phone" : "")}");
    }
}
