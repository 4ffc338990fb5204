namespace Sigill.Crypto.Tests;

public sealed class FieldEncryptionTests : IDisposable
{
    private readonly TestCell _cell = new();

    public FieldEncryptionTests()
    {
        _cell.Manager.CreateOrganizationKeysAsync("org-a").GetAwaiter().GetResult();
        _cell.Manager.CreateOrganizationKeysAsync("org-b").GetAwaiter().GetResult();
    }

    public void Dispose() => _cell.Dispose();

    [Theory]
    [InlineData("")]
    [InlineData("ada@example.com")]
    [InlineData("Åsa Öberg-Lindqvist ✍️")]
    public async Task A_field_round_trips_through_a_compact_text_token(string value)
    {
        var token = await _cell.Manager.EncryptFieldAsync("org-a", "recipient.name", value, "rec-1");
        Assert.NotNull(token);
        Assert.StartsWith("f1.", token, StringComparison.Ordinal);
        Assert.DoesNotContain(value.Length > 0 ? value : "\0", token, StringComparison.Ordinal);
        Assert.All(token, c => Assert.True(char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_'));
        Assert.Equal(value, await _cell.Manager.DecryptFieldAsync("org-a", "recipient.name", token, "rec-1"));
    }

    [Fact]
    public async Task Null_stays_null()
    {
        Assert.Null(await _cell.Manager.EncryptFieldAsync("org-a", "recipient.name", null));
        Assert.Null(await _cell.Manager.DecryptFieldAsync("org-a", "recipient.name", null));
    }

    [Theory]
    [InlineData("org-b", "recipient.email", "rec-1")]
    [InlineData("org-a", "recipient.name", "rec-1")]
    [InlineData("org-a", "recipient.email", "rec-2")]
    [InlineData("org-a", "recipient.email", null)]
    public async Task A_field_token_moved_to_another_organization_column_or_row_fails(string org, string purpose, string? record)
    {
        var token = await _cell.Manager.EncryptFieldAsync("org-a", "recipient.email", "ada@example.com", "rec-1");
        var ex = await Assert.ThrowsAsync<CryptoIntegrityException>(() => _cell.Manager.DecryptFieldAsync(org, purpose, token, record));
        Assert.Equal(CryptoFailureReason.WrongKey, ex.Reason);
    }

    [Fact]
    public async Task Flipping_any_byte_of_a_field_token_is_detected()
    {
        var token = (await _cell.Manager.EncryptFieldAsync("org-a", "audit.detail", "signed from 10.0.0.1"))!;
        var raw = Convert.FromBase64String(token[3..].Replace('-', '+').Replace('_', '/') + new string('=', (4 - ((token.Length - 3) % 4)) % 4));
        for (var i = 0; i < raw.Length; i++)
        {
            var copy = (byte[])raw.Clone();
            copy[i] ^= 0x04;
            var forged = "f1." + Convert.ToBase64String(copy).TrimEnd('=').Replace('+', '-').Replace('/', '_');
            await Assert.ThrowsAsync<CryptoIntegrityException>(() => _cell.Manager.DecryptFieldAsync("org-a", "audit.detail", forged));
        }

        await Assert.ThrowsAsync<CryptoIntegrityException>(() => _cell.Manager.DecryptFieldAsync("org-a", "audit.detail", token[..^4]));
        await Assert.ThrowsAsync<CryptoIntegrityException>(() => _cell.Manager.DecryptFieldAsync("org-a", "audit.detail", "plain text"));
    }

    [Fact]
    public async Task A_blind_index_is_stable_per_organization_and_purpose_and_differs_across_them()
    {
        var email = CellKeyManager.NormalizeEmail("  Ada@Example.COM ");
        Assert.Equal("ada@example.com", email);
        var a1 = await _cell.Manager.BlindIndexAsync("org-a", "recipient.email", email);
        var a2 = await _cell.Manager.BlindIndexAsync("org-a", "recipient.email", "ada@example.com");
        var b = await _cell.Manager.BlindIndexAsync("org-b", "recipient.email", email);
        var other = await _cell.Manager.BlindIndexAsync("org-a", "member.email", email);
        Assert.Equal(a1, a2);
        Assert.StartsWith("b1.", a1, StringComparison.Ordinal);
        Assert.Equal(46, a1.Length);
        Assert.NotEqual(a1, b);
        Assert.NotEqual(a1, other);
    }

    [Fact]
    public async Task A_blind_index_survives_rotation_of_the_organization_key()
    {
        var before = await _cell.Manager.BlindIndexAsync("org-a", "recipient.email", "ada@example.com");
        await _cell.Manager.RotateOrganizationAsync("org-a");
        await _cell.Manager.RotateRootAsync();
        var fresh = _cell.NewManager(_cell.Store);
        Assert.Equal(before, await fresh.BlindIndexAsync("org-a", "recipient.email", "ada@example.com"));
    }

    [Fact]
    public async Task Field_tokens_name_their_key_version_and_stay_readable_after_rotation()
    {
        var old = await _cell.Manager.EncryptFieldAsync("org-a", "recipient.email", "ada@example.com");
        await _cell.Manager.RotateOrganizationAsync("org-a");
        var @new = await _cell.Manager.EncryptFieldAsync("org-a", "recipient.email", "ada@example.com");
        Assert.Equal(1, CellKeyManager.ReadFieldKeyVersion(old!));
        Assert.Equal(2, CellKeyManager.ReadFieldKeyVersion(@new!));
        Assert.Equal("ada@example.com", await _cell.Manager.DecryptFieldAsync("org-a", "recipient.email", old));
    }
}
