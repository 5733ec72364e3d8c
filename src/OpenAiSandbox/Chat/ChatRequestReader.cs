using System.Text.Json;
using MultichannelMessages.OpenAiSandbox.Apis;
using MultichannelMessages.OpenAiSandbox.Errors;
using MultichannelMessages.OpenAiSandbox.Models;

namespace MultichannelMessages.OpenAiSandbox.Chat;

/// <summary>Reads a chat completion body and refuses, as OpenAI does, what OpenAI refuses: the model is already known.</summary>
public static class ChatRequestReader
{
    public static ChatRequest Read(JsonElement body, ModelOptions model)
    {
        if (body.OptionalBool("stream", "stream") == true)
            throw new OpenAiRefusal(OpenAiErrors.InvalidValue("stream",
                "The OpenAI sandbox does not stream: send the request with stream=false (the default).", "unsupported_value"));
        if (body.OptionalNumber("temperature", "temperature") is { } temperature and (< 0 or > 2))
            throw new OpenAiRefusal(OpenAiErrors.InvalidValue("temperature", temperature < 0
                ? $"Invalid 'temperature': decimal below minimum value. Expected a value >= 0, but got {temperature} instead."
                : $"Invalid 'temperature': decimal above maximum value. Expected a value <= 2, but got {temperature} instead.",
                temperature < 0 ? "decimal_below_min_value" : "decimal_above_max_value"));

        var messages = MessageReader.Read(body, model);
        var tools = ToolReader.ReadTools(body);
        var toolChoice = ToolReader.ReadToolChoice(body, tools);
        var format = ToolReader.ReadResponseFormat(body);
        if (format.Type == "json_object" && !messages.Any(m => m.Text.Contains("json", StringComparison.OrdinalIgnoreCase)))
            throw new OpenAiRefusal(OpenAiErrors.Invalid(
                "'messages' must contain the word 'json' in some form, to use 'response_format' of type 'json_object'.", "messages"));

        var maxTokens = body.OptionalInteger("max_completion_tokens", 1) ?? body.OptionalInteger("max_tokens", 1);
        var choices = body.OptionalInteger("n", 1, 128) ?? 1;
        var parallel = body.OptionalBool("parallel_tool_calls", "parallel_tool_calls");
        if (parallel is not null && tools.Count == 0)
            throw new OpenAiRefusal(OpenAiErrors.Invalid(
                "Invalid value for 'parallel_tool_calls': 'parallel_tool_calls' is only allowed when 'tools' are specified.", "parallel_tool_calls"));

        return new ChatRequest(model.Id, messages, tools, toolChoice, parallel ?? true, format, maxTokens, choices);
    }
}
