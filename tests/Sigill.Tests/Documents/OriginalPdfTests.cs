using System.Security.Cryptography;
using System.Text;
using Sigill.Api.Features.Documents;

namespace Sigill.Tests.Documents;

/// <summary>
/// Duplicating a signed document starts from its original PDF, found as a prefix of the signed file. A hostile upload
/// can be full of <c>%%EOF</c> markers; the search must still find the original and never hash the file once per marker.
/// </summary>
public sealed class OriginalPdfTests
{
    private static byte[] Revision(int n) => Encoding.ASCII.GetBytes($"\n{n} 0 obj\n<</Sig {n}>>\nendobj\nstartxref\n{n}\n%%EOF\n");

    private static string Sha(byte[] data) => Convert.ToHexStringLower(SHA256.HashData(data));

    [Fact]
    public void The_original_is_found_behind_every_appended_revision_even_in_a_file_stuffed_with_end_markers()
    {
        // 8 MB of "%%EOF\n" (1.4 million markers) as the upload, then three signatures and a seal appended.
        var stuffed = new StringBuilder("%PDF-1.7\n");
        while (stuffed.Length < 8_000_000) stuffed.Append("%%EOF\n");
        var original = Encoding.ASCII.GetBytes(stuffed.Append("%%EOF\r\n").ToString());
        var signed = original.Concat(Revision(1)).Concat(Revision(2)).Concat(Revision(3)).Concat(Revision(4)).ToArray();

        // Hashing the prefix at every marker would be ~1.4 million hashes of megabytes: this test would not finish.
        Assert.Equal(original, DocumentWorkflow.OriginalOf(signed, Sha(original)));

        Assert.Equal(original, DocumentWorkflow.OriginalOf(original, Sha(original))); // not signed yet: the file itself
        Assert.Null(DocumentWorkflow.OriginalOf(signed, Sha(Encoding.ASCII.GetBytes("another file"))));
    }

    [Fact]
    public void An_original_buried_under_more_revisions_than_sigill_ever_appends_is_not_searched_for()
    {
        var original = Encoding.ASCII.GetBytes("%PDF-1.7\n%%EOF\n");
        var signed = original.Concat(Enumerable.Range(1, 70).SelectMany(Revision)).ToArray();
        Assert.Null(DocumentWorkflow.OriginalOf(signed, Sha(original)));
        var fewer = original.Concat(Enumerable.Range(1, 60).SelectMany(Revision)).ToArray();
        Assert.Equal(original, DocumentWorkflow.OriginalOf(fewer, Sha(original)));
    }
}
