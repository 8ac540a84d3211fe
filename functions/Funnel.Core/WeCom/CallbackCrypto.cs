using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Funnel.Core.WeCom;

/// <summary>Why a callback was refused (each a 4xx at the endpoint, nothing changed).</summary>
public enum CallbackRefusal
{
    None,

    /// <summary>msg_signature is not SHA-1 over the sorted token, timestamp, nonce and ciphertext.</summary>
    BadSignature,

    /// <summary>Not base64, not whole AES blocks, bad padding, or a length field that does not fit.</summary>
    BadCiphertext,

    /// <summary>Decrypted, but addressed to another corp or app (the receive id at the end of the plaintext).</summary>
    WrongReceiver,
}

/// <summary>
/// WeCom's callback encryption, as its "加解密方案说明" specifies (developer.work.weixin.qq.com/document/path/91144):
/// <list type="bullet">
/// <item>msg_signature = lowercase hex SHA-1 of token, timestamp, nonce and the base64 ciphertext, sorted as strings
/// and concatenated;</item>
/// <item>AESKey = base64(EncodingAESKey + "="), 32 bytes; AES-256-CBC with the key's first 16 bytes as IV; PKCS#7
/// padding to a multiple of 32 bytes;</item>
/// <item>plaintext = 16 random bytes, the message's length (4 bytes, big-endian), the message (UTF-8), the receive id
/// (the corp id for a self-built app's callbacks).</item>
/// </list>
/// The signature is checked before anything is decrypted, so a tampered ciphertext never reaches the padding check.
/// </summary>
public sealed class CallbackCrypto
{
    private const int PadBlock = 32;
    private const int RandomBytes = 16;
    private readonly string _token;
    private readonly byte[] _key;
    private readonly byte[] _receiveId;

    public CallbackCrypto(string token, string encodingAesKey, string receiveId)
    {
        if (DescribeToken(token) is { } tokenError) throw new ArgumentException(tokenError, nameof(token));
        if (DescribeAesKey(encodingAesKey) is { } keyError) throw new ArgumentException(keyError, nameof(encodingAesKey));
        ArgumentException.ThrowIfNullOrEmpty(receiveId);
        _token = token;
        _key = Convert.FromBase64String(encodingAesKey + "=");
        _receiveId = Encoding.UTF8.GetBytes(receiveId);
    }

    /// <summary>Why <paramref name="token"/> is not a callback token WeCom accepts (letters and digits, at most 32), or null.</summary>
    public static string? DescribeToken(string? token) =>
        token is { Length: > 0 and <= 32 } && token.All(char.IsAsciiLetterOrDigit) ? null
            : "The WeCom callback Token is 1 to 32 English letters and digits: copy it from the app's \"接收消息\" (API receive) settings.";

    /// <summary>Why <paramref name="key"/> is not an EncodingAESKey (43 letters and digits, 32 bytes once decoded), or null.</summary>
    public static string? DescribeAesKey(string? key) =>
        key is { Length: 43 } && key.All(char.IsAsciiLetterOrDigit) ? null
            : "The WeCom EncodingAESKey is exactly 43 English letters and digits: copy it from the app's \"接收消息\" (API receive) settings.";

    /// <summary>The msg_signature WeCom sends with <paramref name="encrypted"/>.</summary>
    public string Signature(string timestamp, string nonce, string encrypted)
    {
        string[] parts = [_token, timestamp, nonce, encrypted];
        Array.Sort(parts, StringComparer.Ordinal);
#pragma warning disable CA5350 // SHA-1 is WeCom's choice for msg_signature, not ours: the scheme is fixed by the sender.
        return Convert.ToHexStringLower(SHA1.HashData(Encoding.UTF8.GetBytes(string.Concat(parts))));
#pragma warning restore CA5350
    }

    /// <summary>Checks the signature (in constant time), then decrypts: the message, or why it was refused.</summary>
    public CallbackRefusal Open(string signature, string timestamp, string nonce, string encrypted, out string? message)
    {
        message = null;
        var expected = Encoding.ASCII.GetBytes(Signature(timestamp, nonce, encrypted));
        if (!CryptographicOperations.FixedTimeEquals(expected, Encoding.ASCII.GetBytes(signature ?? ""))) return CallbackRefusal.BadSignature;
        return Decrypt(encrypted, out message);
    }

    /// <summary>Decrypts a ciphertext whose signature was checked.</summary>
    public CallbackRefusal Decrypt(string encrypted, out string? message)
    {
        message = null;
        var cipher = new byte[encrypted.Length];
        if (!Convert.TryFromBase64String(encrypted, cipher, out var length) || length == 0 || length % 16 != 0) return CallbackRefusal.BadCiphertext;
        using var aes = Aes.Create();
        aes.Key = _key;
        var plain = aes.DecryptCbc(cipher.AsSpan(0, length), _key.AsSpan(0, 16), PaddingMode.None);
        var pad = plain[^1];
        if (pad is < 1 or > PadBlock || pad > plain.Length || plain.AsSpan(plain.Length - pad).ContainsAnyExcept(pad)) return CallbackRefusal.BadCiphertext;
        var body = plain.AsSpan(0, plain.Length - pad);
        if (body.Length < RandomBytes + 4) return CallbackRefusal.BadCiphertext;
        var messageLength = BinaryPrimitives.ReadInt32BigEndian(body.Slice(RandomBytes, 4));
        if (messageLength < 0 || messageLength > body.Length - RandomBytes - 4) return CallbackRefusal.BadCiphertext;
        var receiver = body[(RandomBytes + 4 + messageLength)..];
        if (!receiver.SequenceEqual(_receiveId)) return CallbackRefusal.WrongReceiver;
        try
        {
            message = new UTF8Encoding(false, true).GetString(body.Slice(RandomBytes + 4, messageLength));
        }
        catch (DecoderFallbackException)
        {
            return CallbackRefusal.BadCiphertext;
        }
        return CallbackRefusal.None;
    }

    /// <summary>Encrypts a message as WeCom does (a passive reply, the local WeCom stand-in, tests).</summary>
    public string Encrypt(string message, ReadOnlySpan<byte> random)
    {
        if (random.Length != RandomBytes) throw new ArgumentException($"The random prefix is {RandomBytes} bytes.", nameof(random));
        var text = Encoding.UTF8.GetBytes(message);
        var length = RandomBytes + 4 + text.Length + _receiveId.Length;
        var pad = PadBlock - (length % PadBlock);
        var plain = new byte[length + pad];
        random.CopyTo(plain);
        BinaryPrimitives.WriteInt32BigEndian(plain.AsSpan(RandomBytes, 4), text.Length);
        text.CopyTo(plain, RandomBytes + 4);
        _receiveId.CopyTo(plain, RandomBytes + 4 + text.Length);
        plain.AsSpan(length).Fill((byte)pad);
        using var aes = Aes.Create();
        aes.Key = _key;
        return Convert.ToBase64String(aes.EncryptCbc(plain, _key.AsSpan(0, 16), PaddingMode.None));
    }

    /// <summary>Encrypts with a fresh random prefix.</summary>
    public string Encrypt(string message) => Encrypt(message, RandomNumberGenerator.GetBytes(RandomBytes));
}
