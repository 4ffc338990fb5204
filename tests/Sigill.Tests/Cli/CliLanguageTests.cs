using Sigill.Cli;
using Sigill.Tests.Infrastructure;

namespace Sigill.Tests.Cli;

/// <summary>
/// The `sigill` command in the operator's language (docs/translations.md): <c>--language</c>, else <c>SIGILL_LANGUAGE</c>,
/// else the POSIX locale (<c>LC_ALL</c>, <c>LC_MESSAGES</c>, <c>LANG</c>), else English. Words change; what scripts read
/// (the "doctor: OK" verdict, labels such as <c>data:</c>, exit codes) does not.
/// </summary>
public sealed class CliLanguageTests : IDisposable
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(90);
    private readonly TempDirectory _directory = new();

    [Theory]
    [InlineData(new string[0], null, null, null, null, "en")]
    [InlineData(new string[0], "sv", null, null, null, "sv")]
    [InlineData(new string[0], null, null, null, "sv_SE.UTF-8", "sv")]
    [InlineData(new string[0], null, null, null, "de_DE", "de")]
    [InlineData(new string[0], null, null, null, "fr_CA.ISO-8859-1@euro", "fr")]
    [InlineData(new string[0], null, null, null, "C", "en")]
    [InlineData(new string[0], null, null, null, "POSIX", "en")]
    [InlineData(new string[0], null, null, null, "C.UTF-8", "en")]
    [InlineData(new string[0], null, null, null, "pt_BR.UTF-8", "en")]
    [InlineData(new string[0], null, "es_ES.UTF-8", null, "sv_SE.UTF-8", "es")] // LC_ALL before LANG
    [InlineData(new string[0], null, null, "de_AT.UTF-8", "sv_SE.UTF-8", "de")] // LC_MESSAGES before LANG
    [InlineData(new string[0], null, "C", null, "sv_SE.UTF-8", "en")] // LC_ALL=C is English whatever LANG says
    [InlineData(new string[0], "fr", "C", null, "de_DE.UTF-8", "fr")] // SIGILL_LANGUAGE before the locale
    [InlineData(new string[0], "pt", null, null, "de_DE.UTF-8", "de")] // a language Sigill does not speak is passed over
    [InlineData(new[] { "doctor", "--language", "es" }, "sv", null, null, "de_DE.UTF-8", "es")]
    [InlineData(new[] { "doctor", "--language=de" }, "sv", null, null, null, "de")]
    [InlineData(new[] { "doctor", "--", "--language", "de" }, null, null, null, null, "en")]
    public void The_language_is_the_option_else_SIGILL_LANGUAGE_else_the_POSIX_locale_else_English(
        string[] args, string? sigill, string? lcAll, string? lcMessages, string? lang, string expected)
    {
        var environment = new Dictionary<string, string?> { ["SIGILL_LANGUAGE"] = sigill, ["LC_ALL"] = lcAll, ["LC_MESSAGES"] = lcMessages, ["LANG"] = lang };
        Assert.Equal(expected, CliWords.Choose(args, name => environment.GetValueOrDefault(name)));
    }

    [Fact]
    public async Task Doctor_audit_verify_residency_and_keys_speak_Swedish_or_German_and_LANG_C_keeps_English()
    {
        string data;
        await using (var app = await SigillApp.StartAsync())
        {
            await app.SetUpOrganizationAsync("Språkbolaget AB", "eu");
            await app.StopServerAsync();
            data = app.DataDirectory;

            var swedish = new Dictionary<string, string> { ["SIGILL_LANGUAGE"] = "sv", ["LANG"] = "C" };
            var doctor = await SigillProcess.RunAsync(Generous, swedish, "doctor", "--data", data);
            Assert.True(doctor.ExitCode == 0, doctor.Stdout + doctor.Stderr);
            Assert.Matches(@"region eu: \d+ organisationer, \d+ dokument, \d+ krypterade objekt \(\d+ raderade, \d+ tidigare PDF-versioner eller oavslutade skrivningar\), \d+ oavslutade jobb;", doctor.Stdout);
            Assert.Contains("doctor: OK — inga problem", doctor.Stdout, StringComparison.Ordinal); // the verdict's "doctor: OK" stays for scripts

            var audit = await SigillProcess.RunAsync(Generous, swedish, "audit", "verify", "--data", data);
            Assert.True(audit.ExitCode == 0, audit.Stdout + audit.Stderr);
            Assert.Matches(@"granskningslogg eu: OK, \d+ händelser, kontrollpunktens storlek \d+", audit.Stdout);
            Assert.Contains("  verifieringsnyckel: ", audit.Stdout, StringComparison.Ordinal);

            var residency = await SigillProcess.RunAsync(Generous, swedish, "residency", "report", "--data", data);
            Assert.True(residency.ExitCode == 0, residency.Stdout + residency.Stderr);
            Assert.Contains("användare och", residency.Stdout, StringComparison.Ordinal);
            Assert.Contains("nyckelhashar från andra regioner: inga hittades", residency.Stdout, StringComparison.Ordinal);
            Assert.Contains("residency: OK — ingen cell innehåller", residency.Stdout, StringComparison.Ordinal);
            // å ä ö arrive intact as UTF-8 (SigillProcess decodes the child's stdout as UTF-8).
            Assert.Contains('å', residency.Stdout);
            Assert.Contains('ä', residency.Stdout);
            Assert.Contains('ö', residency.Stdout); // "sökte efter"
            Assert.Contains('ä', audit.Stdout); // "händelser"

            // The locale alone chooses German.
            var german = await SigillProcess.RunAsync(Generous, new Dictionary<string, string> { ["LANG"] = "de_DE.UTF-8" }, "keys", "status", "--data", data);
            Assert.True(german.ExitCode == 0, german.Stdout + german.Stderr);
            Assert.Matches(@"Region eu \([a-z]+, Anbieter [^)]+\): Stamm \S+ \(\d+ Versionen\)", german.Stdout);
            Assert.Matches(@"  org_eu_\w+: Inhaltsschlüssel v1, \d+ umhüllte Schlüssel, reservierte Verwendungen \d+", german.Stdout);
            var germanDoctor = await SigillProcess.RunAsync(Generous, new Dictionary<string, string> { ["LANG"] = "de_DE.UTF-8" }, "doctor", "--data", data);
            Assert.Contains("doctor: OK — keine Probleme", germanDoctor.Stdout, StringComparison.Ordinal);

            // --language wins over both; LANG=C is English, exactly as before the CLI had languages.
            var french = await SigillProcess.RunAsync(Generous, swedish, "doctor", "--data", data, "--language", "fr");
            Assert.Contains("doctor: OK — aucun problème", french.Stdout, StringComparison.Ordinal);
            var english = await SigillProcess.RunAsync(Generous, new Dictionary<string, string> { ["LANG"] = "C" }, "doctor", "--data", data);
            Assert.True(english.ExitCode == 0, english.Stdout + english.Stderr);
            Assert.Matches(@"region eu: \d+ organizations, \d+ documents, \d+ encrypted objects \(\d+ shredded, \d+ earlier PDF revisions or unfinished writes\), \d+ unfinished jobs;", english.Stdout);
            Assert.Contains("doctor: OK — no problems", english.Stdout, StringComparison.Ordinal);
            var englishAudit = await SigillProcess.RunAsync(Generous, new Dictionary<string, string> { ["LANG"] = "C", ["LC_ALL"] = "C" }, "audit", "verify", "--data", data);
            Assert.Matches(@"audit log eu: OK, \d+ events, checkpoint size \d+", englishAudit.Stdout);
            Assert.Contains("  verifier key: ", englishAudit.Stdout, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_mistyped_command_line_is_explained_in_Swedish_and_an_unknown_language_is_refused()
    {
        var swedish = new Dictionary<string, string> { ["SIGILL_LANGUAGE"] = "sv" };
        var run = await SigillProcess.RunAsync(Generous, swedish, "sevre", "--data", _directory.Combine("data"));
        Assert.Equal(2, run.ExitCode);
        var lines = Lines(run.Stderr);
        Assert.Equal(2, lines.Count);
        Assert.StartsWith("fel: 'sevre' är inte ett kommando i `sigill` (kommandon: serve, api, web,", lines[0], StringComparison.Ordinal);
        Assert.Equal("kör `sigill --help` för hjälp", lines[1]);
        Assert.Equal("", run.Stdout);

        var port = await SigillProcess.RunAsync(Generous, new Dictionary<string, string> { ["LANG"] = "sv_SE.UTF-8" }, "serve", "--data", _directory.Combine("data"), "--port", "abc");
        Assert.Equal(2, port.ExitCode);
        Assert.Equal(["fel: --port måste vara ett tal från 1 till 65535 (eller 0 för valfri ledig port), inte 'abc'", "kör `sigill serve --help` för hjälp"], Lines(port.Stderr));

        var unknown = await SigillProcess.RunAsync(Generous, swedish, "doctor", "--language", "pt", "--data", _directory.Combine("data"));
        Assert.Equal(2, unknown.ExitCode);
        Assert.Equal(["fel: --language måste vara ett av en, sv, de, fr, es, inte 'pt'", "kör `sigill doctor --help` för hjälp"], Lines(unknown.Stderr));
        Assert.False(Directory.Exists(_directory.Combine("data")), "a refused command line touched the data directory");

        // The help is in the language too; the command names and options are not translated.
        var help = await SigillProcess.RunAsync(Generous, new Dictionary<string, string> { ["LANG"] = "de_DE.UTF-8" }, "--help");
        Assert.Equal(0, help.ExitCode);
        Assert.Contains("Die Querverweise jeder Zelle prüfen", help.Stdout, StringComparison.Ordinal);
        Assert.Contains("--language", help.Stdout, StringComparison.Ordinal);
        var keysHelp = await SigillProcess.RunAsync(Generous, new Dictionary<string, string> { ["SIGILL_LANGUAGE"] = "es" }, "keys", "--help");
        Assert.Contains("Claves raíz, versiones de las claves de organización y borrados pendientes, por región", keysHelp.Stdout, StringComparison.Ordinal);
        var englishHelp = await SigillProcess.RunAsync(Generous, "doctor", "--help");
        Assert.Contains("The installation's data directory", englishHelp.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bench_and_pdf_verify_explain_themselves_in_the_language_and_their_report_lines_keep_their_labels()
    {
        var swedish = new Dictionary<string, string> { ["LANG"] = "sv_SE.UTF-8" };
        var text = _directory.Combine("notes.txt");
        await File.WriteAllTextAsync(text, "Signed: yes\n");
        var verify = await SigillProcess.RunAsync(Generous, swedish, "pdf", "verify", text);
        Assert.Equal(1, verify.ExitCode);
        Assert.Equal($"result: INVALID (inte en PDF: '{text}' har inget %PDF--huvud i sina första 1024 byte)", verify.Stdout.Trim());
        var english = await SigillProcess.RunAsync(Generous, new Dictionary<string, string> { ["LANG"] = "C" }, "pdf", "verify", text);
        Assert.Equal($"result: INVALID (not a PDF: '{text}' has no %PDF- header in its first 1024 bytes)", english.Stdout.Trim());
        var missing = await SigillProcess.RunAsync(Generous, swedish, "pdf", "verify", _directory.Combine("gone.pdf"));
        Assert.Equal(2, missing.ExitCode);
        Assert.Equal($"fel: '{_directory.Combine("gone.pdf")}' finns inte", missing.Stderr.Trim());

        var clients = await SigillProcess.RunAsync(Generous, new Dictionary<string, string> { ["SIGILL_LANGUAGE"] = "es" }, "bench", "load", "--clients", "0");
        Assert.Equal(2, clients.ExitCode);
        Assert.Equal("error: --clients admite niveles entre 1 y 512, p. ej. 8,32,64", clients.Stderr.Trim());
        var rows = await SigillProcess.RunAsync(Generous, swedish, "bench", "bulk", "--rows", "0");
        Assert.Equal("fel: --rows måste vara 1-1000000", rows.Stderr.Trim());

        var help = await SigillProcess.RunAsync(Generous, new Dictionary<string, string> { ["LANG"] = "fr_FR.UTF-8" }, "bench", "--help");
        Assert.Equal(0, help.ExitCode);
        Assert.Contains("Racine de Merkle de 1 000 000 feuilles", System.Text.RegularExpressions.Regex.Replace(help.Stdout, @"\s+", " "), StringComparison.Ordinal);
        var loadHelp = await SigillProcess.RunAsync(Generous, new Dictionary<string, string> { ["LANG"] = "de_DE.UTF-8" }, "bench", "load", "--help");
        Assert.Contains("ohne sie wird nur der eingebettete Server gemessen", System.Text.RegularExpressions.Regex.Replace(loadHelp.Stdout, @"\s+", " "), StringComparison.Ordinal);
        var englishHelp = await SigillProcess.RunAsync(Generous, "bench", "audit", "--help");
        Assert.Contains("PostgreSQL connection string allowed to create a scratch database (default: $SIGILL_BENCH_POSTGRES); without it PostgreSQL is skipped", System.Text.RegularExpressions.Regex.Replace(englishHelp.Stdout, @"\s+", " "), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_options_and_arguments_of_compliance_report_and_restore_are_described_in_German_and_unchanged_in_English()
    {
        var german = new Dictionary<string, string> { ["LANG"] = "de_DE.UTF-8" };
        var english = new Dictionary<string, string> { ["LANG"] = "C", ["LC_ALL"] = "C" };
        static string Flat(string text) => System.Text.RegularExpressions.Regex.Replace(text, @"\s+", " ");

        var report = await SigillProcess.RunAsync(Generous, german, "compliance", "report", "--help");
        Assert.Equal(0, report.ExitCode);
        Assert.Contains("Erster Tag des Zeitraums (JJJJ-MM-TT, UTC) oder eine ISO-8601-Zeit in UTC", Flat(report.Stdout), StringComparison.Ordinal);
        Assert.Contains("Das Verzeichnis des Pakets (neu oder leer)", Flat(report.Stdout), StringComparison.Ordinal);
        Assert.DoesNotContain("First day of the period", Flat(report.Stdout), StringComparison.Ordinal);
        Assert.Contains("--from", report.Stdout, StringComparison.Ordinal); // option names are not translated
        var reportEnglish = await SigillProcess.RunAsync(Generous, english, "compliance", "report", "--help");
        Assert.Equal(0, reportEnglish.ExitCode);
        Assert.Contains("First day of the period (YYYY-MM-DD, UTC) or an ISO 8601 UTC time", Flat(reportEnglish.Stdout), StringComparison.Ordinal);
        Assert.Contains("The backup directory whose archives of the period are listed and verified (default: Backups:Directory)", Flat(reportEnglish.Stdout), StringComparison.Ordinal);

        var restore = await SigillProcess.RunAsync(Generous, german, "restore", "--help");
        Assert.Equal(0, restore.ExitCode);
        Assert.Contains("Ein Sicherungsarchiv (.sgbk)", Flat(restore.Stdout), StringComparison.Ordinal);
        Assert.Contains("Das LEERE Datenverzeichnis, in das wiederhergestellt wird (wird angelegt, falls es fehlt)", Flat(restore.Stdout), StringComparison.Ordinal);
        var restoreEnglish = await SigillProcess.RunAsync(Generous, english, "restore", "--help");
        Assert.Equal(0, restoreEnglish.ExitCode);
        Assert.Contains("A backup archive (.sgbk)", Flat(restoreEnglish.Stdout), StringComparison.Ordinal);
        Assert.Contains("The EMPTY data directory to restore into (created when missing)", Flat(restoreEnglish.Stdout), StringComparison.Ordinal);
    }

    private static List<string> Lines(string text) => [.. text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r'))];

    public void Dispose() => _directory.Dispose();
}
