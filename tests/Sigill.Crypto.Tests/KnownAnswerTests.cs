using System.Security.Cryptography;
using System.Text;

namespace Sigill.Crypto.Tests;

/// <summary>The primitives Sigill.Crypto builds on, checked against published vectors.</summary>
public class KnownAnswerTests
{
    [Theory]
    // RFC 5869 appendix A, test cases 1-3 (HKDF-SHA256).
    [InlineData("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "000102030405060708090a0b0c", "f0f1f2f3f4f5f6f7f8f9", 42,
        "077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5",
        "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865")]
    [InlineData(
        "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f404142434445464748494a4b4c4d4e4f",
        "606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9fa0a1a2a3a4a5a6a7a8a9aaabacadaeaf",
        "b0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedfe0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff",
        82,
        "06a6b88c5853361a06104c9ceb35b45cef760014904671014a193f40c15fc244",
        "b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c59045a99cac7827271cb41c65e590e09da3275600c2f09b8367793a9aca3db71cc30c58179ec3e87c14c01d5c1f3434f1d87")]
    [InlineData("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "", "", 42,
        "19ef24a32c717b167f33a91d6f648bdf96596776afdb6377ac434c1c293ccb04",
        "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8")]
    public void HKDF_SHA256_matches_RFC_5869(string ikm, string salt, string info, int length, string prk, string okm)
    {
        var actualPrk = HKDF.Extract(HashAlgorithmName.SHA256, Bytes.Hex(ikm), Bytes.Hex(salt));
        Assert.Equal(prk, Convert.ToHexStringLower(actualPrk));
        var actualOkm = HKDF.Expand(HashAlgorithmName.SHA256, actualPrk, length, Bytes.Hex(info));
        Assert.Equal(okm, Convert.ToHexStringLower(actualOkm));
        Assert.Equal(okm, Convert.ToHexStringLower(HKDF.DeriveKey(HashAlgorithmName.SHA256, Bytes.Hex(ikm), length, Bytes.Hex(salt), Bytes.Hex(info))));
    }

    [Theory]
    // RFC 5869 appendix A, test cases 1 and 3 (PRK, info, first 32 and 64 bytes of OKM), and the lengths objects use.
    [InlineData("077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5", "f0f1f2f3f4f5f6f7f8f9", 42)]
    [InlineData("19ef24a32c717b167f33a91d6f648bdf96596776afdb6377ac434c1c293ccb04", "", 42)]
    public void The_object_formats_HKDF_expand_is_RFC_5869(string prk, string info, int length)
    {
        var expected = HKDF.Expand(HashAlgorithmName.SHA256, Bytes.Hex(prk), length, Bytes.Hex(info));
        foreach (var n in new[] { 1, 16, 32, 33, length, 64 })
        {
            var output = new byte[n];
            ObjectCrypto.ExpandSha256(Bytes.Hex(prk), Bytes.Hex(info), output);
            Assert.Equal(Convert.ToHexStringLower(HKDF.Expand(HashAlgorithmName.SHA256, Bytes.Hex(prk), n, Bytes.Hex(info))), Convert.ToHexStringLower(output));
        }
        var random = RandomNumberGenerator.GetBytes(32);
        var longInfo = RandomNumberGenerator.GetBytes(77); // the wrap key's info length
        var wrap = new byte[32];
        ObjectCrypto.ExpandSha256(random, longInfo, wrap);
        Assert.Equal(HKDF.Expand(HashAlgorithmName.SHA256, random, 32, longInfo), wrap);
        Assert.Equal(expected.Length, length);
    }

    [Theory]
    // RFC 4231 section 4, test cases 1, 2, 3, 4, 6, 7 (HMAC-SHA-256).
    [InlineData("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "4869205468657265", "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7")]
    [InlineData("4a656665", "7768617420646f2079612077616e7420666f72206e6f7468696e673f", "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")]
    [InlineData("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        "dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd",
        "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe")]
    [InlineData("0102030405060708090a0b0c0d0e0f10111213141516171819",
        "cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd",
        "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b")]
    public void HMAC_SHA256_matches_RFC_4231(string key, string data, string mac)
        => Assert.Equal(mac, Convert.ToHexStringLower(HMACSHA256.HashData(Bytes.Hex(key), Bytes.Hex(data))));

    [Theory]
    [InlineData("Test Using Larger Than Block-Size Key - Hash Key First", "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54")]
    [InlineData("This is a test using a larger than block-size key and a larger than block-size data. The key needs to be hashed before being used by the HMAC algorithm.",
        "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2")]
    public void HMAC_SHA256_with_a_key_longer_than_a_block_matches_RFC_4231(string data, string mac)
        => Assert.Equal(mac, Convert.ToHexStringLower(HMACSHA256.HashData(Enumerable.Repeat((byte)0xaa, 131).ToArray(), Encoding.ASCII.GetBytes(data))));

    [Theory]
    // McGrew & Viega, "The Galois/Counter Mode of Operation", test cases 13-16 (AES-256), as used in NIST GCM validation.
    [InlineData("0000000000000000000000000000000000000000000000000000000000000000", "000000000000000000000000", "", "", "", "530f8afbc74536b9a963b4f1c4cb738b")]
    [InlineData("0000000000000000000000000000000000000000000000000000000000000000", "000000000000000000000000", "00000000000000000000000000000000", "",
        "cea7403d4d606b6e074ec5d3baf39d18", "d0d1c8a799996bf0265b98b5d48ab919")]
    [InlineData("feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308", "cafebabefacedbaddecaf888",
        "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255", "",
        "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662898015ad",
        "b094dac5d93471bdec1a502270e3cc6c")]
    [InlineData("feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308", "cafebabefacedbaddecaf888",
        "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39",
        "feedfacedeadbeeffeedfacedeadbeefabaddad2",
        "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662",
        "76fc6ece0f4e1768cddf8853bb2d551b")]
    public void AES_256_GCM_matches_the_GCM_specification_vectors(string key, string iv, string plaintext, string aad, string ciphertext, string tag)
    {
        using var gcm = new AesGcm(Bytes.Hex(key), 16);
        var p = Bytes.Hex(plaintext);
        var c = new byte[p.Length];
        var t = new byte[16];
        gcm.Encrypt(Bytes.Hex(iv), p, c, t, Bytes.Hex(aad));
        Assert.Equal(ciphertext, Convert.ToHexStringLower(c));
        Assert.Equal(tag, Convert.ToHexStringLower(t));

        var back = new byte[c.Length];
        gcm.Decrypt(Bytes.Hex(iv), c, t, back, Bytes.Hex(aad));
        Assert.Equal(p, back);
        t[0] ^= 1;
        Assert.Throws<AuthenticationTagMismatchException>(() => gcm.Decrypt(Bytes.Hex(iv), c, t, back, Bytes.Hex(aad)));
    }
}
