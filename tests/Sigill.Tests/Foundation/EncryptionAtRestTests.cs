using System.Text;
using Sigill.Crypto;
using Sigill.Tests.Infrastructure;

namespace Sigill.Tests.Foundation;

/// <summary>Customer content is encrypted in the API tier before any store sees it, and a moved ciphertext never decrypts.</summary>
public sealed class EncryptionAtRestTests : IAsyncLifetime
{
    private SigillApp _app = null!;

    public async Task InitializeAsync() => _app = await SigillApp.StartAsync();

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task An_organizations_name_and_content_are_stored_only_as_ciphertext()
    {
        var name = "Plaintext-Canary-" + Guid.NewGuid().ToString("N");
        var org = await _app.SetUpOrganizationAsync(name, "us");
        var cell = _app.Cells.Get("us");
        var content = "%PDF-1.7 canary " + name;
        var context = new ObjectContext("us", org.OrganizationId, "doc_us_canary", 1, "document");
        await cell.Objects.PutAsync(context, new MemoryStream(Encoding.UTF8.GetBytes(content)), CancellationToken.None);

        Assert.Empty(ByteScan.FilesContaining(_app.DataDirectory, name));
        Assert.Empty(ByteScan.FilesContaining(_app.DataDirectory, "%PDF-"));

        using var back = new MemoryStream();
        Assert.True(await cell.Objects.CopyToAsync(context, back, CancellationToken.None));
        Assert.Equal(content, Encoding.UTF8.GetString(back.ToArray()));
    }

    [Fact]
    public async Task A_ciphertext_moved_to_another_organization_or_object_fails_with_a_typed_error()
    {
        var acme = await _app.SetUpOrganizationAsync("Acme", "us");
        var globex = await _app.SetUpOrganizationAsync("Globex", "us");
        var cell = _app.Cells.Get("us");
        var original = new ObjectContext("us", acme.OrganizationId, "doc_us_one", 1, "document");
        await cell.Objects.PutAsync(original, new MemoryStream(Encoding.UTF8.GetBytes("secret terms")), CancellationToken.None);
        var ciphertext = await ReadBlobAsync(cell, original);

        foreach (var moved in new[]
        {
            original with { OrganizationId = globex.OrganizationId },
            original with { ObjectId = "doc_us_two" },
            original with { Purpose = "signature" },
        })
        {
            await cell.Blobs.PutAsync(Sigill.Api.Platform.Cells.EncryptedObjects.BlobKeyOf(moved), new MemoryStream(ciphertext), CancellationToken.None);
            using var sink = new MemoryStream();
            await Assert.ThrowsAsync<CryptoIntegrityException>(() => cell.Objects.CopyToAsync(moved, sink, CancellationToken.None));
        }

        var flipped = (byte[])ciphertext.Clone();
        flipped[^5] ^= 0x01;
        await cell.Blobs.PutAsync(Sigill.Api.Platform.Cells.EncryptedObjects.BlobKeyOf(original), new MemoryStream(flipped), CancellationToken.None);
        using (var sink = new MemoryStream())
        {
            await Assert.ThrowsAsync<CryptoIntegrityException>(() => cell.Objects.CopyToAsync(original, sink, CancellationToken.None));
        }
    }

    private static async Task<byte[]> ReadBlobAsync(Sigill.Api.Platform.Cells.Cell cell, ObjectContext context)
    {
        await using var stream = await cell.Blobs.OpenReadAsync(Sigill.Api.Platform.Cells.EncryptedObjects.BlobKeyOf(context), CancellationToken.None);
        using var copy = new MemoryStream();
        await stream!.CopyToAsync(copy);
        return copy.ToArray();
    }
}
