using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace MultichannelMessages.Worker.Ai.Eval;

/// <summary>
/// Teaches the OpenAI sandbox (docs/openai-sandbox.md) to play the evaluation's agent: the rules of sandbox-rules.json are
/// posted in order, scoped to the run (the provider's API key), with the scope in their ids so that parallel runs on one
/// sandbox neither see nor replace each other's rules.
/// </summary>
public static class EvalSandboxRules
{
    /// <param name="sandbox">The sandbox's root (its control API), e.g. http://127.0.0.1:5095.</param>
    public static async Task<int> PostAsync(HttpClient http, Uri sandbox, string rulesFile, string scope, CancellationToken ct)
    {
        var root = JsonNode.Parse(await File.ReadAllTextAsync(rulesFile, ct), documentOptions: new JsonDocumentOptions
        {
            CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true,
        })!;
        var rules = root["rules"]!.AsArray().OfType<JsonObject>().ToList();
        using (var clear = await http.DeleteAsync(new Uri(sandbox, "sandbox/rules?scope=" + Uri.EscapeDataString(scope)), ct))
            clear.EnsureSuccessStatusCode();
        foreach (var rule in rules)
        {
            var posted = rule.DeepClone().AsObject();
            posted["scope"] = scope;
            posted["id"] = scope + ":" + (rule["id"]?.GetValue<string>() ?? Guid.NewGuid().ToString("N"));
            using var response = await http.PostAsJsonAsync(new Uri(sandbox, "sandbox/rules"), posted, ct);
            if (!response.IsSuccessStatusCode)
                throw new InvalidOperationException($"the sandbox refused rule {rule["id"]}: {await response.Content.ReadAsStringAsync(ct)}");
        }
        return rules.Count;
    }

    /// <summary>The sandbox's root from a provider base URL (http://host:port/v1 → http://host:port/).</summary>
    public static Uri RootOf(string baseUrl)
    {
        var url = baseUrl.TrimEnd('/');
        if (url.EndsWith("/v1", StringComparison.Ordinal)) url = url[..^3];
        return new Uri(url + "/");
    }
}
