using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using MultichannelMessages.OpenAiSandbox.Apis;
using MultichannelMessages.OpenAiSandbox.Errors;
using MultichannelMessages.OpenAiSandbox.Models;

namespace MultichannelMessages.OpenAiSandbox.Chat;

/// <summary>The <c>messages</c> array: roles, content as a string or parts, images only to a vision model, and every
/// tool message answering a tool call of the assistant message before it (and every such call answered).</summary>
internal static partial class MessageReader
{
    private static readonly string[] Roles = ["system", "developer", "user", "assistant", "tool"];

    public static IReadOnlyList<ChatMessage> Read(JsonElement body, ModelOptions model)
    {
        var array = body.Member("messages") ?? throw new OpenAiRefusal(OpenAiErrors.Missing("messages"));
        var messages = new List<ChatMessage>();
        var index = 0;
        foreach (var item in array.Array("messages"))
            messages.Add(ReadMessage(item, $"messages[{index++}]", model));
        if (messages.Count == 0)
            throw new OpenAiRefusal(OpenAiErrors.InvalidValue("messages",
                "Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead.", "empty_array"));
        CheckToolSequence(messages);
        return messages;
    }

    private static ChatMessage ReadMessage(JsonElement item, string param, ModelOptions model)
    {
        item.RequireObject(param);
        var role = item.RequiredString("role", param + ".role");
        if (!Roles.Contains(role))
            throw new OpenAiRefusal(OpenAiErrors.InvalidValue(param + ".role",
                $"Invalid value: '{role}'. Supported values are: 'system', 'assistant', 'user', 'function', 'tool', and 'developer'."));

        var (text, images) = ReadContent(item.Member("content"), role, param + ".content", model);
        var toolCalls = role == "assistant" ? ReadToolCalls(item, param) : [];
        string? toolCallId = null;
        if (role == "tool")
            toolCallId = item.RequiredString("tool_call_id", param + ".tool_call_id");
        if (role != "assistant" && item.Member("content") is null)
            throw new OpenAiRefusal(OpenAiErrors.Missing(param + ".content"));
        if (role == "assistant" && item.Member("content") is null && toolCalls.Count == 0)
            throw new OpenAiRefusal(OpenAiErrors.Invalid(
                $"Invalid value for '{param}.content': expected a string, got null.", param + ".content"));
        return new ChatMessage(role, text, images, toolCalls, toolCallId);
    }

    private static (string Text, int Images) ReadContent(JsonElement? content, string role, string param, ModelOptions model)
    {
        if (content is null)
            return ("", 0);
        if (content.Value.ValueKind == JsonValueKind.String)
            return (content.Value.GetString()!, 0);

        var text = new StringBuilder();
        var images = 0;
        var index = 0;
        foreach (var part in content.Value.Array(param))
        {
            var partParam = $"{param}[{index++}]";
            part.RequireObject(partParam);
            var type = part.RequiredString("type", partParam + ".type");
            switch (type)
            {
                case "text":
                    text.Append(text.Length > 0 ? "\n" : "").Append(part.RequiredString("text", partParam + ".text"));
                    break;
                case "image_url" when role == "user":
                    if (!model.Vision)
                        throw new OpenAiRefusal(OpenAiErrors.Invalid("Invalid content type. image_url is only supported by certain models.",
                            partParam + ".type"));
                    CheckImageUrl(part, partParam);
                    images++;
                    break;
                case "file" when role == "user":
                    // A document (PDF) by file_id or file_data: accepted and not read, as the answer comes from rules.
                    part.Member("file")?.RequireObject(partParam + ".file");
                    break;
                case "refusal" when role == "assistant":
                    break;
                case "input_audio" when role == "user":
                    throw new OpenAiRefusal(OpenAiErrors.Invalid("Invalid content type. input_audio is only supported by certain models.",
                        partParam + ".type"));
                default:
                    throw new OpenAiRefusal(OpenAiErrors.InvalidValue(partParam + ".type", role == "user"
                        ? $"Invalid value: '{type}'. Supported values are: 'text', 'image_url', 'input_audio', 'refusal', 'audio', and 'file'."
                        : $"Invalid value: '{type}'. Supported values are: 'text'."));
            }
        }
        return (text.ToString(), images);
    }

    /// <summary>data: URLs with an image type and base64 data, or http(s) URLs (not fetched: the sandbox has no
    /// internet, and OpenAI's fetch failing is another test).</summary>
    private static void CheckImageUrl(JsonElement part, string param)
    {
        var image = part.Member("image_url") ?? throw new OpenAiRefusal(OpenAiErrors.Missing(param + ".image_url"));
        image.RequireObject(param + ".image_url");
        var url = image.RequiredString("url", param + ".image_url.url");
        if (url.StartsWith("data:", StringComparison.Ordinal))
        {
            var match = DataUrl().Match(url);
            if (!match.Success)
                throw new OpenAiRefusal(OpenAiErrors.InvalidValue(param + ".image_url.url",
                    $"Invalid '{param}.image_url.url'. Expected a base64-encoded data URL with an image MIME type (e.g. 'data:image/png;base64,aW1nIGJ5dGVzIGhlcmU='), but got {Describe(url)}.", "invalid_image_url"));
            return;
        }
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            throw new OpenAiRefusal(OpenAiErrors.InvalidValue(param + ".image_url.url",
                $"Invalid '{param}.image_url.url'. Expected a valid URL, but got a value with an invalid format.", "invalid_image_url"));
    }

    private static string Describe(string url)
    {
        var mime = url[5..].Split([';', ','], 2)[0];
        return mime.StartsWith("image/", StringComparison.Ordinal) ? "a value that is not valid base64" : $"unsupported MIME type '{mime}'";
    }

    private static IReadOnlyList<AssistantToolCall> ReadToolCalls(JsonElement message, string param)
    {
        if (message.Member("tool_calls") is not { } array)
            return [];
        var calls = new List<AssistantToolCall>();
        var index = 0;
        foreach (var call in array.Array(param + ".tool_calls"))
        {
            var callParam = $"{param}.tool_calls[{index++}]";
            call.RequireObject(callParam);
            var function = call.Member("function") ?? throw new OpenAiRefusal(OpenAiErrors.Missing(callParam + ".function"));
            calls.Add(new AssistantToolCall(call.RequiredString("id", callParam + ".id"),
                function.RequiredString("name", callParam + ".function.name"),
                function.RequiredString("arguments", callParam + ".function.arguments")));
        }
        return calls;
    }

    /// <summary>OpenAI's two refusals around tool results: a tool message with no call it answers, and a call left
    /// unanswered before the next non-tool message.</summary>
    private static void CheckToolSequence(IReadOnlyList<ChatMessage> messages)
    {
        HashSet<string>? open = null;
        for (var i = 0; i < messages.Count; i++)
        {
            var message = messages[i];
            if (message.Role == "tool")
            {
                if (open is null || !open.Remove(message.ToolCallId!))
                    throw new OpenAiRefusal(OpenAiErrors.Invalid(
                        "Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'.",
                        $"messages.[{i}].role"));
                continue;
            }
            if (open is { Count: > 0 })
                throw new OpenAiRefusal(Unanswered(open));
            open = message.ToolCalls.Count > 0 ? [.. message.ToolCalls.Select(c => c.Id)] : null;
        }
        if (open is { Count: > 0 })
            throw new OpenAiRefusal(Unanswered(open));
    }

    private static OpenAiError Unanswered(IEnumerable<string> ids) => OpenAiErrors.Invalid(
        $"An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'. The following tool_call_ids did not have response messages: {string.Join(", ", ids)}",
        "messages");

    [GeneratedRegex(@"^data:image/(png|jpeg|jpg|gif|webp);base64,[A-Za-z0-9+/]+={0,2}$")]
    private static partial Regex DataUrl();
}
