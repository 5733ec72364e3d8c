using System.Text.Json;
using System.Text.Json.Nodes;
using MultichannelMessages.OpenAiSandbox.Apis;

namespace MultichannelMessages.OpenAiSandbox.Requests;

/// <summary>A body as the request log keeps it: a long string (a base64 image, a long document) is cut to its start
/// and its length, so a demo sending photos for hours keeps a bounded log, and a test can still check the data URL's
/// type and first bytes.</summary>
public static class LoggedBody
{
    public const int LongString = 16 * 1024;
    public const int KeptChars = 1024;

    public static JsonElement Trim(JsonElement body) =>
        body.GetRawText().Length <= LongString ? body.Clone() : JsonSerializer.SerializeToElement(
            Json.MapStrings(JsonNode.Parse(body.GetRawText()), text => text.Length > LongString ? $"{text[..KeptChars]}…[{text.Length} chars]" : text));
}
