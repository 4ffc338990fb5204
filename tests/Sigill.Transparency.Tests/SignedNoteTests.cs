using System.Text;

namespace Sigill.Transparency.Tests;

public sealed class SignedNoteTests
{
    // Known answers from golang.org/x/mod/sumdb/note and the C2SP signed-note spec, used as data.
    private const string GoSignerKey = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
    private const string GoVerifierKey = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
    private const string GoText = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
    private const string GoNote = GoText + "\n\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";
    private const string SpecVerifierKey = "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k";
    private const string SpecNote = "This is an example message.\n\n\u2014 example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n";

    [Fact]
    public void Signing_with_the_go_reference_key_reproduces_the_go_reference_note_byte_for_byte()
    {
        using var signer = NoteSigner.FromPrivateKeyString(GoSignerKey);
        Assert.Equal(GoVerifierKey, signer.VerifierKey);
        Assert.Equal(0xc74f20a3u, signer.KeyHash);
        Assert.Equal(GoSignerKey, signer.ToPrivateKeyString());
        Assert.Equal(GoNote, SignedNote.Sign(GoText, signer));
    }

    [Fact]
    public void The_reference_notes_open_with_their_verifier_keys()
    {
        var go = SignedNote.Open(GoNote, NoteVerifier.Parse(GoVerifierKey));
        Assert.True(go.IsValid, go.Detail);
        Assert.Equal(GoText, go.Body);

        var spec = SignedNote.Open(SpecNote, NoteVerifier.Parse(SpecVerifierKey));
        Assert.True(spec.IsValid, spec.Detail);
        Assert.Equal("This is an example message.\n", spec.Body);
    }

    [Fact]
    public void A_note_signed_with_a_seed_round_trips_and_the_verifier_key_round_trips()
    {
        using var signer = new NoteSigner("sigill.example/inst-1/audit/eu", new byte[32]);
        var verifier = NoteVerifier.Parse(signer.VerifierKey);
        Assert.Equal(signer.KeyHash, verifier.KeyHash);
        Assert.Equal(signer.PublicKey.ToArray(), verifier.PublicKey.ToArray());
        var note = SignedNote.Sign("hello\nworld\n", signer);
        var opened = SignedNote.Open(note, verifier);
        Assert.True(opened.IsValid, opened.Detail);
        Assert.Equal("hello\nworld\n", opened.Body);
    }

    [Fact]
    public void Flipping_any_byte_of_the_body_or_the_signature_is_rejected()
    {
        var verifier = NoteVerifier.Parse(GoVerifierKey);
        var bytes = Encoding.UTF8.GetBytes(GoNote);
        for (int i = 0; i < bytes.Length; i++)
        {
            var copy = (byte[])bytes.Clone();
            copy[i] ^= 0x01;
            var text = Encoding.UTF8.GetString(copy);
            Assert.False(SignedNote.Open(text, verifier).IsValid, $"byte {i}");
        }
    }

    [Fact]
    public void Every_single_bit_of_the_signature_is_checked()
    {
        var verifier = NoteVerifier.Parse(GoVerifierKey);
        int start = GoNote.LastIndexOf(' ') + 1;
        var raw = Convert.FromBase64String(GoNote[start..^1]);
        for (int bit = 32; bit < raw.Length * 8; bit++)
        {
            var copy = (byte[])raw.Clone();
            copy[bit / 8] ^= (byte)(1 << (bit % 8));
            var note = GoNote[..start] + Convert.ToBase64String(copy) + "\n";
            Assert.Equal(NoteError.InvalidSignature, SignedNote.Open(note, verifier).Error);
        }
    }

    [Fact]
    public void A_note_opened_with_the_wrong_key_or_name_has_no_known_signature()
    {
        using var other = new NoteSigner("PeterNeumann", Enumerable.Repeat((byte)9, 32).ToArray());
        Assert.Equal(NoteError.NoKnownSignature, SignedNote.Open(GoNote, other.ToVerifier()).Error);
        Assert.Equal(NoteError.NoKnownSignature, SignedNote.Open(GoNote, NoteVerifier.Parse(SpecVerifierKey)).Error);

        var renamed = GoNote.Replace("\u2014 PeterNeumann", "\u2014 PaulNeumann", StringComparison.Ordinal);
        Assert.Equal(NoteError.NoKnownSignature, SignedNote.Open(renamed, NoteVerifier.Parse(GoVerifierKey)).Error);
    }

    [Fact]
    public void Signatures_by_unknown_keys_are_ignored_when_a_known_key_signed()
    {
        using var other = NoteSigner.Generate("witness.example");
        using var peter = NoteSigner.FromPrivateKeyString(GoSignerKey);
        var note = SignedNote.Sign(GoText, other, peter);
        var opened = SignedNote.Open(note, NoteVerifier.Parse(GoVerifierKey));
        Assert.True(opened.IsValid, opened.Detail);
        Assert.Single(opened.VerifiedSignatures);
        Assert.Single(opened.UnverifiedSignatures);
    }

    [Theory]
    [InlineData("")]
    [InlineData("\n")]
    [InlineData("no signatures\n")]
    [InlineData("body\n\n")]
    [InlineData("body\n\n\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=")]
    [InlineData("body\n\n- PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n")]
    [InlineData("body\n\n\u2014PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n")]
    [InlineData("body\n\n\u2014 PeterNeumann\n")]
    [InlineData("body\n\n\u2014 PeterNeumann x08g\n")]
    [InlineData("body\n\n\u2014 PeterNeumann  x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n")]
    [InlineData("body\n\n\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n\n")]
    [InlineData("body\r\n\n\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n")]
    [InlineData("bo\tdy\n\n\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n")]
    public void Malformed_notes_are_rejected_as_malformed(string text)
    {
        Assert.Equal(NoteError.Malformed, SignedNote.Open(text, NoteVerifier.Parse(GoVerifierKey)).Error);
    }

    [Fact]
    public void A_missing_or_extra_newline_around_the_reference_note_is_rejected()
    {
        var verifier = NoteVerifier.Parse(GoVerifierKey);
        Assert.False(SignedNote.Open(GoNote[..^1], verifier).IsValid);
        Assert.False(SignedNote.Open(GoNote + "\n", verifier).IsValid);
        Assert.False(SignedNote.Open(GoNote.Replace("problem is.\n\n", "problem is.\n", StringComparison.Ordinal), verifier).IsValid);
        Assert.False(SignedNote.Open(GoNote.Replace("problem is.\n\n", "problem is.\n\n\n", StringComparison.Ordinal), verifier).IsValid);
        Assert.False(SignedNote.Open("\n" + GoNote, verifier).IsValid);
    }

    [Fact]
    public void A_repeated_signature_line_by_a_known_key_is_rejected()
    {
        var line = GoNote[(GoText.Length + 1)..];
        Assert.Equal(NoteError.Malformed, SignedNote.Open(GoNote + line, NoteVerifier.Parse(GoVerifierKey)).Error);
    }

    [Theory]
    [InlineData("PeterNeumann+c74f20a3")]
    [InlineData("PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW")]
    [InlineData("PeterNeumann+C74F20A3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW")]
    [InlineData("PaulNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW")]
    [InlineData("PeterNeumann+c74f20a3+Ahpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW")]
    [InlineData("PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10")]
    [InlineData("Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW")]
    [InlineData("+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW")]
    public void Malformed_or_inconsistent_verifier_keys_are_refused(string key)
    {
        Assert.False(NoteVerifier.TryParse(key, out _, out var error));
        Assert.NotNull(error);
    }

    [Fact]
    public void Signer_names_with_spaces_or_plus_signs_and_short_seeds_are_refused()
    {
        Assert.Throws<ArgumentException>(() => new NoteSigner("a b", new byte[32]));
        Assert.Throws<ArgumentException>(() => new NoteSigner("a+b", new byte[32]));
        Assert.Throws<ArgumentException>(() => new NoteSigner("", new byte[32]));
        Assert.Throws<ArgumentException>(() => new NoteSigner("ok", new byte[31]));
        Assert.Throws<FormatException>(() => NoteSigner.FromPrivateKeyString(GoSignerKey.Replace("c74f20a3", "c74f20a4", StringComparison.Ordinal)));
    }

    [Fact]
    public void A_disposed_signer_no_longer_signs()
    {
        var signer = NoteSigner.Generate("x.example");
        signer.Dispose();
        Assert.Throws<ObjectDisposedException>(() => signer.Sign("m"u8));
    }
}
