namespace MultichannelMessages.OpenAiSandbox.Text;

/// <summary>A deterministic token count, about what OpenAI's tokenizers give for English (four characters a token):
/// usage and limits are then stable across runs and close enough for cost arithmetic in tests.</summary>
public static class Tokens
{
    public static int Estimate(string? text) => string.IsNullOrEmpty(text) ? 0 : (text.Length + 3) / 4;
}
