using System.Text;
using System.Text.Json.Nodes;

namespace Sigill.Transparency.Tests;

public sealed class ReceiptTests
{
    private const string Origin = "sigill.example/0d9b7c1e/audit/eu";
    private static readonly byte[] Seed = [.. Enumerable.Repeat((byte)0x5A, 32)];

    [Fact]
    public void A_receipt_with_a_disclosed_event_verifies_against_the_trusted_key_and_the_event_bytes()
    {
        var fixture = new Fixture(leafIndex: 5, size: 11);
        var result = ReceiptVerifier.Verify(fixture.Json, fixture.VerifierKey, fixture.EventBytes);
        Assert.True(result.IsValid, result.Detail);
        Assert.True(result.KeyTrusted);
        Assert.Equal(11, result.Checkpoint!.Size);
        Assert.Equal(5, result.Receipt!.LeafIndex);
    }

    [Fact]
    public void Every_leaf_of_trees_up_to_20_has_a_verifying_receipt()
    {
        for (int size = 1; size <= 20; size++)
        {
            for (int index = 0; index < size; index++)
            {
                var fixture = new Fixture(index, size);
                Assert.True(ReceiptVerifier.Verify(fixture.Json, fixture.VerifierKey).IsValid, $"{index}/{size}");
            }
        }
    }

    [Fact]
    public void A_receipt_verified_without_a_trusted_key_says_the_key_is_not_trusted()
    {
        var fixture = new Fixture(3, 4);
        var result = ReceiptVerifier.Verify(fixture.Json);
        Assert.True(result.IsValid, result.Detail);
        Assert.False(result.KeyTrusted);
    }

    [Fact]
    public void A_receipt_without_disclosure_proves_inclusion_but_cannot_bind_event_bytes()
    {
        var fixture = new Fixture(2, 7, disclose: false);
        Assert.DoesNotContain("\"salt\"", fixture.Json, StringComparison.Ordinal);
        Assert.True(ReceiptVerifier.Verify(fixture.Json, fixture.VerifierKey).IsValid);
        Assert.Equal(ReceiptStatus.EventNotDisclosed, ReceiptVerifier.Verify(fixture.Json, fixture.VerifierKey, fixture.EventBytes).Status);
    }

    [Fact]
    public void Other_event_bytes_are_reported_as_an_event_mismatch()
    {
        var fixture = new Fixture(2, 7);
        Assert.Equal(ReceiptStatus.EventMismatch, ReceiptVerifier.Verify(fixture.Json, fixture.VerifierKey, "{\"other\":1}"u8).Status);
    }

    [Fact]
    public void Each_tampered_field_is_reported_precisely()
    {
        var fixture = new Fixture(5, 11);
        using var other = NoteSigner.Generate(Origin);

        Assert.Equal(ReceiptStatus.Malformed, Verify(fixture, "not json"));
        Assert.Equal(ReceiptStatus.Malformed, Verify(fixture, Edit(fixture.Json, j => j["format"] = "v2")));
        Assert.Equal(ReceiptStatus.Malformed, Verify(fixture, Edit(fixture.Json, j => j["extra"] = 1)));
        Assert.Equal(ReceiptStatus.Malformed, Verify(fixture, Edit(fixture.Json, j => j.Remove("salt"))));
        Assert.Equal(ReceiptStatus.Malformed, Verify(fixture, Edit(fixture.Json, j => j["leafIndex"] = -1)));
        Assert.Equal(ReceiptStatus.Malformed, Verify(fixture, Edit(fixture.Json, j => j["leafCommitment"] = "AAAA")));
        // An escaped lone surrogate is valid JSON to the parser but not text: found by afl, it once threw instead.
        var lone = ReceiptVerifier.Verify(fixture.Json.Replace("\"origin\": \"", "\"origin\": \"\\udc20", StringComparison.Ordinal));
        Assert.Equal(ReceiptStatus.Malformed, lone.Status);
        Assert.Contains("UTF-16", lone.Detail, StringComparison.Ordinal);
        Assert.Equal(ReceiptStatus.UntrustedVerifierKey, Verify(fixture, Edit(fixture.Json, j => j["verifierKey"] = other.VerifierKey)));
        Assert.Equal(ReceiptStatus.MalformedVerifierKey, ReceiptVerifier.Verify(fixture.Json, "nonsense").Status);
        Assert.Equal(ReceiptStatus.UntrustedVerifierKey, ReceiptVerifier.Verify(fixture.Json, other.VerifierKey).Status);
        var resigned = Edit(fixture.Json, j => j["verifierKey"] = other.VerifierKey);
        Assert.Equal(ReceiptStatus.CheckpointInvalid, ReceiptVerifier.Verify(resigned, other.VerifierKey).Status);
        Assert.Equal(ReceiptStatus.CheckpointInvalid, Verify(fixture, Edit(fixture.Json, j => j["checkpoint"] = j["checkpoint"]!.GetValue<string>().Replace("\n11\n", "\n12\n", StringComparison.Ordinal))));
        Assert.Equal(ReceiptStatus.OriginMismatch, Verify(fixture, Edit(fixture.Json, j => j["origin"] = "sigill.example/0d9b7c1e/audit/us")));
        Assert.Equal(ReceiptStatus.LeafIndexOutOfRange, Verify(fixture, Edit(fixture.Json, j => j["leafIndex"] = 11)));
        Assert.Equal(ReceiptStatus.InclusionProofInvalid, Verify(fixture, Edit(fixture.Json, j => j["leafIndex"] = 4)));
        Assert.Equal(ReceiptStatus.CommitmentMismatch, Verify(fixture, Edit(fixture.Json, j => j["salt"] = Convert.ToBase64String(new byte[32]))));
        Assert.Equal(ReceiptStatus.CommitmentMismatch, Verify(fixture, Edit(fixture.Json, j => j["eventHash"] = Convert.ToBase64String(new byte[32]))));
        Assert.Equal(ReceiptStatus.InclusionProofInvalid, Verify(fixture, Edit(fixture.Json, j => ((JsonArray)j["inclusionProof"]!).RemoveAt(0))));
    }

    [Fact]
    public void Flipping_any_bit_of_any_proof_hash_or_the_commitment_fails_the_receipt()
    {
        var fixture = new Fixture(6, 13, disclose: false);
        var receipt = Receipt.Parse(fixture.Json, out _)!;
        var hashes = receipt.InclusionProof.Append(receipt.LeafCommitment.ToArray()).ToList();
        for (int h = 0; h < hashes.Count; h++)
        {
            for (int bit = 0; bit < 256; bit++)
            {
                var mutated = hashes.Select(x => (byte[])x.Clone()).ToList();
                mutated[h][bit / 8] ^= (byte)(1 << (bit % 8));
                var json = Receipt.Create(Origin, 6, mutated[^1], mutated[..^1], receipt.Checkpoint, receipt.VerifierKey).ToJson();
                Assert.Equal(ReceiptStatus.InclusionProofInvalid, ReceiptVerifier.Verify(json, fixture.VerifierKey).Status);
            }
        }
    }

    [Fact]
    public void A_receipt_json_round_trips()
    {
        var fixture = new Fixture(1, 3);
        var parsed = Receipt.Parse(fixture.Json, out var error);
        Assert.Null(error);
        var again = parsed!.ToJson();
        Assert.Equal(fixture.Json, again);
    }

    private static ReceiptStatus Verify(Fixture fixture, string json) => ReceiptVerifier.Verify(json, fixture.VerifierKey).Status;

    private static string Edit(string json, Action<JsonObject> edit)
    {
        var node = JsonNode.Parse(json)!.AsObject();
        edit(node);
        return node.ToJsonString();
    }

    private sealed class Fixture
    {
        public Fixture(int leafIndex, int size, bool disclose = true)
        {
            using var signer = new NoteSigner(Origin, Seed);
            VerifierKey = signer.VerifierKey;
            var tree = new MerkleTree();
            byte[] salt = [], eventHash = [], commitment = [];
            for (int i = 0; i < size; i++)
            {
                var eventBytes = Encoding.UTF8.GetBytes($"{{\"event\":{i},\"type\":\"document.signed\"}}");
                var eventSalt = System.Security.Cryptography.SHA256.HashData(BitConverter.GetBytes(i));
                var c = LeafCommitment.Compute(eventSalt, eventBytes);
                tree.AppendLeafData(c);
                if (i == leafIndex)
                {
                    EventBytes = eventBytes;
                    salt = eventSalt;
                    eventHash = LeafCommitment.HashEvent(eventBytes);
                    commitment = c;
                }
            }

            var note = new Checkpoint(Origin, size, tree.RootHash()).Sign(signer);
            var proof = tree.InclusionProof(leafIndex, size);
            Json = disclose
                ? Receipt.Create(Origin, leafIndex, commitment, proof, note, VerifierKey, salt, eventHash).ToJson()
                : Receipt.Create(Origin, leafIndex, commitment, proof, note, VerifierKey).ToJson();
        }

        public string Json { get; }

        public string VerifierKey { get; }

        public byte[] EventBytes { get; } = [];
    }
}
