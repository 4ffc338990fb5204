using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Sigill.Api.Features.Privacy;
using Sigill.Tests.Identity;
using Sigill.Tests.Infrastructure;
using static Sigill.Tests.Documents.DocumentKit;

namespace Sigill.Tests.Privacy;

/// <summary>
/// A legal hold cannot be bypassed by any deletion path (issue 18): every DELETE route of the live route table is listed
/// here as a path that deletes documents (and so must carry <see cref="DeletionGate.Marker"/>) or as one that deletes
/// something else; every route carrying the marker is listed; and each listed path is driven against a held document.
/// A new deleting route that is not classified fails the suite.
/// </summary>
public sealed class DeletionGateTests
{
    /// <summary>Paths that delete documents, and how to ask each to delete <c>{doc}</c>.</summary>
    private static readonly Dictionary<string, Func<HttpClient, string, Task<HttpResponseMessage>>> Gated = new(StringComparer.Ordinal)
    {
        ["DELETE /api/v1/documents/{id}"] = (client, doc) => client.DeleteAsync($"/api/v1/documents/{doc}"),
        ["POST /api/v1/privacy/erasures"] = (client, doc) => client.PostAsJsonAsync("/api/v1/privacy/erasures", new { documentId = doc }),
    };

    /// <summary>DELETE routes that remove something other than documents (recipients and fields of a draft are edits, not deletions of it).</summary>
    private static readonly HashSet<string> NotDocuments = new(StringComparer.Ordinal)
    {
        "DELETE /api/v1/documents/{id}/recipients/{recipientId}",
        "DELETE /api/v1/documents/{id}/fields/{fieldId}",
        "DELETE /api/v1/documents/{id}/payment/",
        "DELETE /api/v1/organization/payments/",
        "DELETE /api/v1/organization/sso/",
        "DELETE /api/v1/webhooks/{id}",
        "DELETE /api/v1/account/sessions/{id}",
        "DELETE /api/v1/members/{userId}",
        "DELETE /api/v1/invitations/{id}",
        "DELETE /api/v1/tokens/{id}",
        "DELETE /api/v1/organizations/current/logo",
        "DELETE /api/v1/templates/{id}/translations/{language}",
    };

    [Fact]
    public async Task Every_deletion_path_asks_the_gate_and_a_legal_hold_stops_each_with_its_reason()
    {
        await using var app = await SigillApp.StartAsync();
        var routes = app.ApiServices.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .SelectMany(e => (e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["ANY"])
                .Select(m => (Key: $"{m} {e.RoutePattern.RawText}", Method: m, Marked: e.Metadata.GetMetadata<DeletionGate.Gated>() is not null)))
            .ToList();
        var unclassified = routes.Where(r => r.Method == "DELETE" && !Gated.ContainsKey(r.Key) && !NotDocuments.Contains(r.Key)).Select(r => r.Key).ToList();
        Assert.True(unclassified.Count == 0, "DELETE routes not classified as gated or not deleting documents: " + string.Join("; ", unclassified));
        Assert.Equal(Gated.Keys.Order(StringComparer.Ordinal), routes.Where(r => r.Marked).Select(r => r.Key).Order(StringComparer.Ordinal));
        Assert.DoesNotContain(NotDocuments, k => routes.All(r => r.Key != k));

        var account = await IdentityKit.SignUpAsync(app, "olle.owner@example.com", "eu", "Held AB");
        using var owner = app.Web(account.Session);
        var hold = await PostOkAsync(owner, "/api/v1/privacy/holds", new { scope = "organization", reason = "Audit of 2026" });
        foreach (var (path, ask) in Gated)
        {
            var doc = (await UploadOkAsync(owner, "Held draft", SamplePdf("held"))).GetProperty("id").GetString()!;
            using var refused = await ask(owner, doc);
            Assert.True(refused.StatusCode == HttpStatusCode.Conflict, $"{path} deleted a held document ({refused.StatusCode})");
            var problem = await refused.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal("deletion_held", problem.GetProperty("code").GetString());
            Assert.Equal("Audit of 2026", problem.GetProperty("reason").GetString());
            Assert.Equal(HttpStatusCode.OK, (await owner.GetAsync($"/api/v1/documents/{doc}")).StatusCode);
        }
        await PostOkAsync(owner, $"/api/v1/privacy/holds/{hold.GetProperty("id").GetString()}/release", new { });
        using var again = await owner.PostAsJsonAsync($"/api/v1/privacy/holds/{hold.GetProperty("id").GetString()}/release", new { });
        Assert.Equal("hold_released", await ProblemCodeAsync(again));
        foreach (var (path, ask) in Gated)
        {
            var doc = (await UploadOkAsync(owner, "Free draft", SamplePdf("free"))).GetProperty("id").GetString()!;
            using var done = await ask(owner, doc);
            Assert.True(done.IsSuccessStatusCode, $"{path} refused a document no hold keeps ({done.StatusCode})");
        }
    }

    [Fact]
    public async Task Crypto_shredding_the_organization_asks_the_gate_too_and_a_hold_on_one_document_keeps_it()
    {
        await using var app = await SigillApp.StartAsync();
        var account = await IdentityKit.SignUpAsync(app, "hedda.holder@example.com", "eu", "Shred Held AB");
        using (var owner = app.Web(account.Session))
        {
            var doc = (await UploadOkAsync(owner, "Disputed draft", SamplePdf("disputed"))).GetProperty("id").GetString()!;
            await PostOkAsync(owner, "/api/v1/privacy/holds", new { scope = "document", documentId = doc, reason = "Dispute 42" });
        }
        await app.StopServerAsync();

        var generous = TimeSpan.FromSeconds(60);
        var refused = await SigillProcess.RunAsync(generous, "keys", "shred", "--data", app.DataDirectory, "--org", account.OrganizationId);
        Assert.Equal(2, refused.ExitCode);
        Assert.Contains($"{account.OrganizationId}: not shredded — kept under a legal hold on the document", refused.Stderr, StringComparison.Ordinal);
        Assert.Contains("Dispute 42; kept until the hold is released", refused.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("shred pending", (await SigillProcess.RunAsync(generous, "keys", "status", "--data", app.DataDirectory)).Stdout, StringComparison.Ordinal);

        using var cells = TestCells.Open(app.DataDirectory);
        await using var db = cells.Get("eu").CreateDbContext();
        Assert.Single(db.Set<Sigill.Api.Features.Audit.AuditEvent>().Where(e => e.OrganizationId == account.OrganizationId && e.Action == "privacy.deletion_refused"));
    }
}
