using System.Security.Cryptography;
using System.Text;

namespace MultichannelMessages.MetaSandbox.Graph;

/// <summary>Ids shaped like Meta's, so code that stores or logs them meets realistic lengths and alphabets.</summary>
public static class GraphIds
{
    /// <summary>
    /// A real wamid is base64 of a small binary record: 1C 18 len, the recipient's digits, 15 02 00 12 18 14, twenty
    /// uppercase hex characters, 00. The sandbox builds the same record with random hex.
    /// </summary>
    public static string Wamid(string waId)
    {
        var digits = waId.Length > 64 ? waId[..64] : waId;
        var bytes = new List<byte>(digits.Length + 32) { 0x1C, 0x18, (byte)digits.Length };
        bytes.AddRange(Encoding.ASCII.GetBytes(digits));
        bytes.AddRange([0x15, 0x02, 0x00, 0x12, 0x18, 0x14]);
        bytes.AddRange(Encoding.ASCII.GetBytes(Convert.ToHexString(RandomNumberGenerator.GetBytes(10))));
        bytes.Add(0x00);
        return "wamid." + Convert.ToBase64String([.. bytes]);
    }

    /// <summary>A real call id (wacid) is the same kind of record as a wamid with 11 18 20 after the digits and
    /// thirty-two hex characters: <c>wacid.HBgLMTIxODU1NTI4MjgVAgARGCAy…</c> in Meta's samples.</summary>
    public static string Wacid(string waId)
    {
        var digits = waId.Length > 64 ? waId[..64] : waId;
        var bytes = new List<byte>(digits.Length + 48) { 0x1C, 0x18, (byte)digits.Length };
        bytes.AddRange(Encoding.ASCII.GetBytes(digits));
        bytes.AddRange([0x15, 0x02, 0x00, 0x11, 0x18, 0x20]);
        bytes.AddRange(Encoding.ASCII.GetBytes(Convert.ToHexString(RandomNumberGenerator.GetBytes(16))));
        bytes.Add(0x00);
        return "wacid." + Convert.ToBase64String([.. bytes]);
    }

    /// <summary>Messenger message ids: "m_" and about 90 URL-safe base64 characters.</summary>
    public static string MessengerMid() => "m_" + UrlSafe(RandomNumberGenerator.GetBytes(66));

    /// <summary>Instagram message ids are base64 of an "ig_item" record.</summary>
    public static string InstagramMid() =>
        Convert.ToBase64String(Encoding.ASCII.GetBytes($"ig_item:1:IGMessageThread:{Numeric(17)}:{Numeric(39)}"));

    /// <summary>Graph object ids (media, templates) are numeric strings of 15-16 digits.</summary>
    public static string ObjectId() => Numeric(16);

    /// <summary>fbtrace_id: eleven URL-safe characters.</summary>
    public static string TraceId() => UrlSafe(RandomNumberGenerator.GetBytes(8));

    /// <summary>WhatsApp conversation ids are 32 lowercase hex characters.</summary>
    public static string ConversationId() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    public static string Numeric(int length)
    {
        var text = new StringBuilder(length);
        text.Append((char)('1' + RandomNumberGenerator.GetInt32(9)));
        while (text.Length < length)
            text.Append((char)('0' + RandomNumberGenerator.GetInt32(10)));
        return text.ToString();
    }

    private static string UrlSafe(byte[] bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
