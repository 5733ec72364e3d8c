using System.Text.Json;
using MultichannelMessages.OpenAiSandbox.Apis;
using MultichannelMessages.OpenAiSandbox.Faults;
using MultichannelMessages.OpenAiSandbox.Models;
using MultichannelMessages.OpenAiSandbox.Requests;

namespace MultichannelMessages.OpenAiSandbox.Chat;

/// <summary><c>POST /v1/chat/completions</c>: logged, the model checked, faults applied, the request checked as
/// OpenAI checks it, then answered from the rules.</summary>
public static class ChatEndpoints
{
    public static async Task<IResult> CompleteAsync(HttpContext http, ModelCatalog models, RequestLog log, FaultEffects effects,
        FaultInjector faults, ChatResponder responder, TimeProvider time)
    {
        var body = await OpenAiBody.ReadAsync(http);
        var scope = new RequestScope(ApiKeys.Of(http), Instructions(body));
        log.Log(http, "chat", body.TryGetProperty("model", out var m) ? m.ToString() : null, body, scope);

        var model = models.Require(OpenAiBody.Model(body), ModelKinds.Chat, "chat completions");
        if (await effects.ApplyAsync("chat", model.Id, scope, http) is { } fault)
            return fault;
        var request = ChatRequestReader.Read(body, model);

        var answer = responder.Answer(request, scope);
        if (Malformed.Applies(request, answer) && faults.Fire("chat", scope, FaultKinds.Malformed) is not null)
            answer = Malformed.Apply(answer);
        return TypedResults.Json(ChatCompletion.Build(request, answer, time.GetUtcNow()));
    }

    /// <summary>The system and developer texts, read leniently: the scope of a request that is about to be refused.</summary>
    private static string Instructions(JsonElement body)
    {
        if (!body.TryGetProperty("messages", out var messages) || messages.ValueKind != JsonValueKind.Array)
            return "";
        var texts = new List<string>();
        foreach (var message in messages.EnumerateArray())
        {
            if (message.ValueKind != JsonValueKind.Object || !message.TryGetProperty("role", out var role)
                || role.GetString() is not ("system" or "developer") || !message.TryGetProperty("content", out var content))
                continue;
            if (content.ValueKind == JsonValueKind.String)
                texts.Add(content.GetString()!);
            else if (content.ValueKind == JsonValueKind.Array)
                texts.AddRange(content.EnumerateArray()
                    .Where(p => p.ValueKind == JsonValueKind.Object && p.TryGetProperty("text", out var t) && t.ValueKind == JsonValueKind.String)
                    .Select(p => p.GetProperty("text").GetString()!));
        }
        return string.Join("\n", texts);
    }
}
