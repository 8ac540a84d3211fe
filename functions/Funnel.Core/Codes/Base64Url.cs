namespace Funnel.Core.Codes;

internal static class Base64Url
{
    public static string Encode(ReadOnlySpan<byte> bytes) => System.Buffers.Text.Base64Url.EncodeToString(bytes);

    /// <summary>
    /// Decodes only the one canonical spelling: the decoder also takes padding, white space and stray low bits in the
    /// last character, which would give one code (or share link) several spellings; those are refused here.
    /// </summary>
    public static bool TryDecode(string text, out byte[] bytes)
    {
        bytes = [];
        if (text.Length == 0) return false;
        try
        {
            bytes = System.Buffers.Text.Base64Url.DecodeFromChars(text);
            if (Encode(bytes) == text) return true;
            bytes = [];
            return false;
        }
        catch (FormatException)
        {
            return false;
        }
    }
}
