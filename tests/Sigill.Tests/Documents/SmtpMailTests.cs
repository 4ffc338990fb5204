using System.Text.Json;
using Sigill.Tests.Infrastructure;
using static Sigill.Tests.Documents.DocumentKit;

namespace Sigill.Tests.Documents;

public sealed class SmtpMailTests
{
    [Fact]
    public async Task With_smtp_configured_the_signing_link_goes_out_over_smtp_and_no_outbox_file_is_written()
    {
        var smtp = Environment.GetEnvironmentVariable("SIGILL_TEST_SMTP") ?? throw new InvalidOperationException("SIGILL_TEST_SMTP is not set: run ./test.sh");
        var maildir = Environment.GetEnvironmentVariable("SIGILL_TEST_MAILDIR") ?? throw new InvalidOperationException("SIGILL_TEST_MAILDIR is not set: run ./test.sh");
        var (host, port) = (smtp.Split(':')[0], smtp.Split(':')[1]);
        var config = JsonSerializer.Serialize(new { Mail = new { Provider = "smtp", Host = host, Port = int.Parse(port, System.Globalization.CultureInfo.InvariantCulture), Security = "none" } });
        await using var app = await SigillApp.StartAsync(config);
        var org = await app.SetUpOrganizationAsync("Acme Smtp", "us");
        using var sender = app.Web(org.ApiToken);
        var id = (await UploadOkAsync(sender, "Smtp", SamplePdf("smtp"))).GetProperty("id").GetString()!;
        var address = $"smtp-{Guid.NewGuid():N}@example.test";
        await AddRecipientAsync(sender, id, "Smtp Signer", address);
        await EnsureSignerFieldsAsync(sender, id);
        await PostOkAsync(sender, $"/api/v1/documents/{id}/send", new { });
        string? mail = null;
        for (var i = 0; i < 50 && mail is null; i++)
        {
            mail = Directory.GetFiles(maildir, "*.eml", SearchOption.AllDirectories).Select(File.ReadAllText).FirstOrDefault(t => t.Contains(address, StringComparison.Ordinal));
            if (mail is null) await Task.Delay(100);
        }
        Assert.NotNull(mail);
        Assert.Matches(@"/s/sgr_us_[0-9a-z]{52}", mail.Replace("=\r\n", "", StringComparison.Ordinal));
        Assert.Equal(0, MailCount(app.DataDirectory, "us"));
    }
}
