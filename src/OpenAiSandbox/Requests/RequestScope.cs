namespace MultichannelMessages.OpenAiSandbox.Requests;

/// <summary>What a rule, fault, transcript or log query scoped to a string matches: the API key equal to it, or the
/// request's instructions (chat: system and developer messages; transcription: the prompt) containing it. Parallel
/// tests each put their own marker in the system prompt, or use their own key, and never see each other's rules.</summary>
public readonly record struct RequestScope(string ApiKey, string Instructions)
{
    public bool Matches(string? scope) =>
        string.IsNullOrEmpty(scope) || ApiKey == scope || Instructions.Contains(scope, StringComparison.Ordinal);
}
