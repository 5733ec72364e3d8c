namespace MultichannelMessages.OpenAiSandbox.Chat;

/// <summary>The malformed fault: the failures a client of structured output must survive. JSON content cut short
/// (never parses), and tool arguments that parse but break the tool's schema (an unknown member, the required ones
/// missing).</summary>
public static class Malformed
{
    public const string BrokenArguments = """{"sandbox_malformed":true}""";

    public static bool Applies(ChatRequest request, ChatAnswer answer) =>
        answer.ToolCalls.Count > 0 || (request.Format.Type != "text" && answer.Content is not null);

    public static ChatAnswer Apply(ChatAnswer answer)
    {
        if (answer.ToolCalls.Count > 0)
            return answer with { ToolCalls = [.. answer.ToolCalls.Select(c => (c.Name, BrokenArguments))] };
        var content = answer.Content!;
        return answer with { Content = content[..Math.Max(1, Math.Min(content.Length / 2, content.Length - 1))] };
    }
}
