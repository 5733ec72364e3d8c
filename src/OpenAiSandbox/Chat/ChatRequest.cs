using System.Text.Json;

namespace MultichannelMessages.OpenAiSandbox.Chat;

/// <summary>A chat completion request as read and checked by <see cref="ChatRequestReader"/>.</summary>
public sealed record ChatRequest(
    string Model,
    IReadOnlyList<ChatMessage> Messages,
    IReadOnlyList<FunctionTool> Tools,
    ToolChoice ToolChoice,
    bool ParallelToolCalls,
    ResponseFormat Format,
    int? MaxTokens,
    int Choices)
{
    public string LastUser => Messages.LastOrDefault(m => m.Role == "user")?.Text ?? "";

    /// <summary>The system and developer messages, where a scope marker is looked for.</summary>
    public string Instructions => string.Join("\n", Messages.Where(m => m.Role is "system" or "developer").Select(m => m.Text));

    public bool LastUserHasImage => Messages.LastOrDefault(m => m.Role == "user")?.Images > 0;

    /// <summary>The tool results the conversation ends with, by the function they answer.</summary>
    public IReadOnlyList<(string Function, string Result)> TrailingToolResults()
    {
        var results = new List<(string, string)>();
        for (var i = Messages.Count - 1; i >= 0 && Messages[i].Role == "tool"; i--)
        {
            var id = Messages[i].ToolCallId;
            var call = Messages.Take(i).SelectMany(m => m.ToolCalls).LastOrDefault(c => c.Id == id);
            results.Insert(0, (call?.Name ?? "", Messages[i].Text));
        }
        return results;
    }

    public FunctionTool? Tool(string name) => Tools.FirstOrDefault(t => t.Name == name);
}

public sealed record ChatMessage(string Role, string Text, int Images, IReadOnlyList<AssistantToolCall> ToolCalls, string? ToolCallId);

public sealed record AssistantToolCall(string Id, string Name, string Arguments);

public sealed record FunctionTool(string Name, JsonElement? Parameters, bool Strict);

/// <summary>text, json_object or json_schema (with its name, schema and strictness).</summary>
public sealed record ResponseFormat(string Type, string? Name = null, JsonElement? Schema = null, bool Strict = false)
{
    public static readonly ResponseFormat Text = new("text");
}

/// <summary>none, auto, required, or function (with <see cref="Function"/>).</summary>
public sealed record ToolChoice(string Mode, string? Function = null)
{
    public static readonly ToolChoice Auto = new("auto");
    public bool Forces => Mode is "required" or "function";
}
