namespace Sigill.Transparency.Tests;

public sealed class CheckpointTests
{
    private const string Origin = "sigill.example/0d9b7c1e/audit/eu";
    private static readonly byte[] Seed = [.. Enumerable.Range(1, 32).Select(i => (byte)i)];

    [Fact]
    public void A_checkpoint_body_is_origin_size_and_base64_root_each_on_its_own_line()
    {
        var root = Vectors.H(Vectors.Roots[8]);
        var checkpoint = new Checkpoint(Origin, 8, root);
        Assert.Equal($"{Origin}\n8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n", checkpoint.ToBody());
    }

    [Fact]
    public void A_signed_checkpoint_round_trips_with_its_extension_lines()
    {
        using var signer = new NoteSigner(Origin, Seed);
        var checkpoint = new Checkpoint(Origin, 1234, Vectors.H(Vectors.Roots[3]), ["ext one", "ext two"]);
        var opened = Checkpoint.Open(checkpoint.Sign(signer), signer.ToVerifier(), Origin);
        Assert.True(opened.IsValid, opened.Detail);
        Assert.Equal(Origin, opened.Checkpoint.Origin);
        Assert.Equal(1234, opened.Checkpoint.Size);
        Assert.Equal(Vectors.Roots[3], Vectors.Hex(opened.Checkpoint.RootHash.Span));
        Assert.Equal(["ext one", "ext two"], opened.Checkpoint.Extensions);
    }

    [Fact]
    public void An_empty_log_has_a_checkpoint_of_size_zero_with_the_empty_root()
    {
        using var signer = new NoteSigner(Origin, Seed);
        var opened = Checkpoint.Open(new Checkpoint(Origin, 0, MerkleHash.EmptyRoot).Sign(signer), signer.ToVerifier());
        Assert.True(opened.IsValid, opened.Detail);
        Assert.Equal(0, opened.Checkpoint.Size);
    }

    [Fact]
    public void A_checkpoint_for_another_origin_is_rejected()
    {
        using var signer = new NoteSigner(Origin, Seed);
        var note = new Checkpoint(Origin, 1, Vectors.H(Vectors.Roots[1])).Sign(signer);
        var opened = Checkpoint.Open(note, signer.ToVerifier(), "sigill.example/0d9b7c1e/audit/us");
        Assert.False(opened.IsValid);
        Assert.Contains("origin", opened.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Changing_the_size_or_root_of_a_signed_checkpoint_breaks_its_signature()
    {
        using var signer = new NoteSigner(Origin, Seed);
        var note = new Checkpoint(Origin, 8, Vectors.H(Vectors.Roots[8])).Sign(signer);
        var resized = note.Replace("\n8\n", "\n9\n", StringComparison.Ordinal);
        var rerooted = note.Replace("XcnaeacG", "XcnaeacH", StringComparison.Ordinal);
        Assert.Equal(NoteError.InvalidSignature, Checkpoint.Open(resized, signer.ToVerifier()).Error);
        Assert.Equal(NoteError.InvalidSignature, Checkpoint.Open(rerooted, signer.ToVerifier()).Error);
    }

    [Theory]
    [InlineData("origin\n8\n")]
    [InlineData("\n8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n")]
    [InlineData("origin\n08\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n")]
    [InlineData("origin\n+8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n")]
    [InlineData("origin\n-8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n")]
    [InlineData("origin\n 8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n")]
    [InlineData("origin\n99999999999999999999\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n")]
    [InlineData("origin\n8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg\n")]
    [InlineData("origin\n8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyh=\n")]
    [InlineData("origin\n8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQ=\n")]
    [InlineData("origin\n8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz-Nw7_RgQyg=\n")]
    [InlineData("origin\n8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=")]
    [InlineData("origin\n8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n\nextension\n")]
    public void Malformed_checkpoint_bodies_are_refused(string body)
    {
        Assert.False(Checkpoint.TryParse(body, out _, out var error));
        Assert.NotNull(error);
    }

    [Fact]
    public void A_well_formed_note_whose_body_is_not_a_checkpoint_is_rejected_as_malformed()
    {
        using var signer = new NoteSigner(Origin, Seed);
        var note = SignedNote.Sign("origin\nnot a size\nroot\n", signer);
        Assert.Equal(NoteError.Malformed, Checkpoint.Open(note, signer.ToVerifier()).Error);
    }
}
