using System.Text.Json.Nodes;
using MultichannelMessages.OpenAiSandbox.Text;

namespace MultichannelMessages.OpenAiSandbox.Chat;

/// <summary>The <c>chat.completion</c> object OpenAI answers, with a deterministic usage estimate and OpenAI's cut at
/// max_completion_tokens (finish_reason "length", the content cut where the tokens ran out).</summary>
public static class ChatCompletion
{
    /// <summary>What one image costs at low detail, as OpenAI bills it.</summary>
    private const int ImageTokens = 85;

    public static JsonObject Build(ChatRequest request, ChatAnswer answer, DateTimeOffset now)
    {
        var completionTokens = Tokens.Estimate(answer.Content) + answer.ToolCalls.Sum(c => Tokens.Estimate(c.Name) + Tokens.Estimate(c.Arguments));
        var cut = request.MaxTokens is { } max && completionTokens > max;
        if (cut)
        {
            var chars = request.MaxTokens!.Value * 4;
            answer = answer with
            {
                Content = answer.Content is { } content && content.Length > chars ? content[..chars] : answer.Content,
                ToolCalls = [.. answer.ToolCalls.Select(c => (c.Name, c.Arguments.Length > chars ? c.Arguments[..chars] : c.Arguments))],
            };
            completionTokens = request.MaxTokens.Value;
        }
        var finishReason = cut ? "length" : answer.ToolCalls.Count > 0 ? "tool_calls" : "stop";
        var promptTokens = PromptTokens(request);

        var choices = new JsonArray();
        for (var i = 0; i < request.Choices; i++)
            choices.Add(new JsonObject
            {
                ["index"] = i,
                ["message"] = Message(answer),
                ["logprobs"] = null,
                ["finish_reason"] = finishReason,
            });
        return new JsonObject
        {
            ["id"] = "chatcmpl-" + Ids.Random(29),
            ["object"] = "chat.completion",
            ["created"] = now.ToUnixTimeSeconds(),
            ["model"] = request.Model,
            ["choices"] = choices,
            ["usage"] = new JsonObject
            {
                ["prompt_tokens"] = promptTokens,
                ["completion_tokens"] = completionTokens * request.Choices,
                ["total_tokens"] = promptTokens + completionTokens * request.Choices,
                ["prompt_tokens_details"] = new JsonObject { ["cached_tokens"] = 0, ["audio_tokens"] = 0 },
                ["completion_tokens_details"] = new JsonObject
                {
                    ["reasoning_tokens"] = 0, ["audio_tokens"] = 0, ["accepted_prediction_tokens"] = 0, ["rejected_prediction_tokens"] = 0,
                },
            },
            ["service_tier"] = "default",
            ["system_fingerprint"] = "fp_sandbox",
        };
    }

    private static JsonObject Message(ChatAnswer answer)
    {
        var message = new JsonObject
        {
            ["role"] = "assistant",
            ["content"] = answer.Content,
            ["refusal"] = null,
            ["annotations"] = new JsonArray(),
        };
        if (answer.ToolCalls.Count > 0)
            message["tool_calls"] = new JsonArray([.. answer.ToolCalls.Select(call => (JsonNode)new JsonObject
            {
                ["id"] = "call_" + Ids.Random(24),
                ["type"] = "function",
                ["function"] = new JsonObject { ["name"] = call.Name, ["arguments"] = call.Arguments },
            })]);
        return message;
    }

    /// <summary>Four characters a token, a few tokens for each message's framing, 85 for each image, and the tools'
    /// and schema's text, as OpenAI counts them into the prompt.</summary>
    public static int PromptTokens(ChatRequest request) =>
        3 + request.Messages.Sum(m => 4 + Tokens.Estimate(m.Text) + m.Images * ImageTokens
                                      + m.ToolCalls.Sum(c => Tokens.Estimate(c.Name) + Tokens.Estimate(c.Arguments)))
          + request.Tools.Sum(t => Tokens.Estimate(t.Name) + Tokens.Estimate(t.Parameters?.GetRawText()))
          + Tokens.Estimate(request.Format.Schema?.GetRawText());
}

/// <summary>Ids shaped like OpenAI's (chatcmpl-…, call_…): random, as OpenAI's are; only answers are deterministic.</summary>
public static class Ids
{
    private const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    public static string Random(int length) => string.Create(length, 0, (span, _) =>
    {
        for (var i = 0; i < span.Length; i++)
            span[i] = Alphabet[System.Random.Shared.Next(Alphabet.Length)];
    });
}
