using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace MultichannelMessages.MetaSandbox.Webhooks;

/// <summary>Webhook bodies written the way Meta writes them: compact, every non-ASCII character escaped as
/// lowercase \uXXXX. Receivers must hash the received bytes as they are; this makes that mistake visible.</summary>
public static class MetaJson
{
    private static readonly JsonSerializerOptions Relaxed = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static byte[] ToBytes(JsonNode node)
    {
        var text = node.ToJsonString(Relaxed);
        var escaped = new StringBuilder(text.Length + 64);
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '\\' && i + 1 < text.Length)
            {
                // An escape the encoder already wrote (quote, control character, astral pair): keep it, in lowercase hex.
                escaped.Append(c).Append(text[i + 1]);
                if (text[i + 1] == 'u' && i + 5 < text.Length)
                {
                    escaped.Append(text.AsSpan(i + 2, 4).ToString().ToLowerInvariant());
                    i += 4;
                }
                i++;
            }
            else if (c > '\u007e')
            {
                escaped.Append("\\u").Append(((int)c).ToString("x4"));
            }
            else
            {
                escaped.Append(c);
            }
        }
        return Encoding.ASCII.GetBytes(escaped.ToString());
    }
}
