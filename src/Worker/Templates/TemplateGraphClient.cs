using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using MultichannelMessages.Worker.Graph;

namespace MultichannelMessages.Worker.Templates;

/// <summary>What Meta answered to a template creation: its id and status, or an error.</summary>
public readonly record struct TemplateCreateResult(string? Id, string? Status, string? Category, MetaError? Error);

/// <summary>
/// The template endpoints of the Graph API: POST /{version}/{waba}/message_templates (create), GET (list, following
/// paging.next), DELETE ?name=&amp;hsm_id= (one language of a template). One attempt per call through the one <see cref="GraphTransport"/>; retries are the loop's.
/// </summary>
public sealed class TemplateGraphClient(GraphTransport transport)
{
    private readonly string _version = transport.ApiVersion;

    public async Task<TemplateCreateResult> CreateAsync(string wabaId, JsonObject template, string token, CancellationToken ct)
    {
        var (status, body, error) = await SendAsync(HttpMethod.Post, $"{_version}/{Uri.EscapeDataString(wabaId)}/message_templates",
            template, token, ct);
        if (error is not null) return new(null, null, null, error);
        return new(Str(body, "id"), Str(body, "status"), Str(body, "category"), body?["id"] is null ? Unexpected(status, body) : null);
    }

    /// <summary>Every template of the WABA, all pages; null with the error when a page failed (a partial listing must
    /// not be applied: it would mark the unlisted ones deleted).</summary>
    public async Task<(JsonArray? Templates, MetaError? Error)> ListAsync(string wabaId, string token, int pageSize, CancellationToken ct)
    {
        var all = new JsonArray();
        var fields = "id,name,language,status,category,parameter_format,components,rejected_reason,quality_score";
        string? url = $"{_version}/{Uri.EscapeDataString(wabaId)}/message_templates?fields={fields}&limit={pageSize}";
        for (var pages = 0; url is not null && pages < 1_000; pages++)
        {
            var (_, body, error) = await SendAsync(HttpMethod.Get, url, null, token, ct);
            if (error is not null) return (null, error);
            if (body?["data"] is JsonArray data)
                foreach (var item in data.ToList()) all.Add(item?.DeepClone());
            // paging.next is an absolute URL on Meta's host: follow its path and query on ours (the sandbox in tests).
            url = Str(body?["paging"], "next") is { } next && Uri.TryCreate(next, UriKind.Absolute, out var absolute)
                ? absolute.PathAndQuery.TrimStart('/') : null;
        }
        return (all, null);
    }

    public async Task<MetaError?> DeleteAsync(string wabaId, string name, string? metaTemplateId, string token, CancellationToken ct)
    {
        var query = $"name={Uri.EscapeDataString(name)}" + (metaTemplateId is null ? "" : $"&hsm_id={Uri.EscapeDataString(metaTemplateId)}");
        var (_, _, error) = await SendAsync(HttpMethod.Delete, $"{_version}/{Uri.EscapeDataString(wabaId)}/message_templates?{query}", null, token, ct);
        return error;
    }

    private async Task<(int Status, JsonNode? Body, MetaError? Error)> SendAsync(HttpMethod method, string path, JsonObject? content,
        string token, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(method, path);
        if (content is not null) request.Content = JsonContent.Create(content);
        var answer = await transport.SendAsync(request, token, ct);
        if (answer.Failure is { } failure) return (0, null, failure);
        JsonNode? body = null;
        try { body = JsonNode.Parse(answer.Body); } catch (JsonException) { }
        if (answer.IsSuccess && body?["error"] is null) return (answer.Status, body, null);
        return (answer.Status, body, answer.Error);
    }

    private static MetaError Unexpected(int status, JsonNode? body) =>
        new(status, null, null, "Unexpected response", body?.ToJsonString() is { } text && text.Length > 300 ? text[..300] : body?.ToJsonString());

    private static string? Str(JsonNode? node, string name) =>
        node is JsonObject o && o[name] is JsonValue v ? v.ToString() : null;
}
