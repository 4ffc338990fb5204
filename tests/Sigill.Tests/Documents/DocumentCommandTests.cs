using Sigill.Tests.Infrastructure;

namespace Sigill.Tests.Documents;

public sealed class DocumentCommandTests
{
    [Fact]
    public async Task Demo_runs_the_whole_flow_and_pdf_verify_accepts_its_sealed_pdf_but_not_a_tampered_copy()
    {
        using var folder = new TempDirectory();
        var data = folder.Combine("data");
        var output = folder.Combine("out");
        var demo = await SigillProcess.RunAsync(TimeSpan.FromMinutes(3), "demo", "--data", data, "--region", "us", "--marker", "Marker-Pelican-2718", "--out", output);
        Assert.True(demo.ExitCode == 0, demo.Stdout + demo.Stderr);
        var lines = demo.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Contains(lines, l => l.StartsWith("organization: org_us_", StringComparison.Ordinal));
        Assert.StartsWith("sealed: ", lines[^1], StringComparison.Ordinal);
        var sealedPath = lines[^1]["sealed: ".Length..];
        Assert.StartsWith(output, sealedPath, StringComparison.Ordinal);
        Assert.DoesNotContain(ByteScan.FilesContaining(data, "%PDF-"), f => !f.Contains("outbox", StringComparison.Ordinal));
        Assert.Empty(ByteScan.FilesContaining(data, "Marker-Pelican-2718"));

        var verify = await SigillProcess.RunAsync(TimeSpan.FromMinutes(1), "pdf", "verify", sealedPath);
        Assert.True(verify.ExitCode == 0, verify.Stdout + verify.Stderr);
        Assert.Contains("last signature covers the whole file: yes", verify.Stdout, StringComparison.Ordinal);
        Assert.Equal(3, verify.Stdout.Split('\n').Count(l => l.StartsWith("signature ", StringComparison.Ordinal) && l.Contains(", valid,", StringComparison.Ordinal)));

        var appended = folder.Combine("appended.pdf");
        await File.WriteAllBytesAsync(appended, [.. await File.ReadAllBytesAsync(sealedPath), .. "\n% appended\n"u8.ToArray()]);
        var afterAppend = await SigillProcess.RunAsync(TimeSpan.FromMinutes(1), "pdf", "verify", appended);
        Assert.NotEqual(0, afterAppend.ExitCode);
        Assert.Contains("last signature covers the whole file: NO", afterAppend.Stdout, StringComparison.Ordinal);

        var bytes = await File.ReadAllBytesAsync(sealedPath);
        var at = System.Text.Encoding.Latin1.GetString(bytes).IndexOf("Marker", StringComparison.Ordinal);
        if (at < 0) at = bytes.Length / 3; // the text may sit in a compressed stream: flip a byte inside signed content anyway
        bytes[at] ^= 0x01;
        var flipped = folder.Combine("flipped.pdf");
        await File.WriteAllBytesAsync(flipped, bytes);
        var afterFlip = await SigillProcess.RunAsync(TimeSpan.FromMinutes(1), "pdf", "verify", flipped);
        Assert.NotEqual(0, afterFlip.ExitCode);
    }
}
