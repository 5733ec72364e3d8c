using System.Net;
using System.Net.Http.Json;
using MultichannelMessages.Contracts.Ai;

namespace MultichannelMessages.Front.CoreApi;

/// <summary>Agent assist (suggestions, summary, template autofill) and classification (labels, the on-resolve setting,
/// jobs with their progress, a conversation's results).</summary>
public sealed partial class CoreApiClient
{
    private static string ConversationAi(long projectId, long conversationId) => $"projects/{projectId}/conversations/{conversationId}/ai";

    public Task<AiAssist> RequestAssistAsync(long projectId, long conversationId, string kind, long? templateId = null, CancellationToken ct = default) =>
        SendAsync<AiAssist>(HttpMethod.Post, $"{ConversationAi(projectId, conversationId)}/assists", new AiAssistRequest(kind, templateId), ct);

    public Task<AiAssist> AssistAsync(long projectId, long conversationId, long assistId, CancellationToken ct = default) =>
        GetAsync<AiAssist>($"{ConversationAi(projectId, conversationId)}/assists/{assistId}", ct);

    /// <summary>Asks, then reads the assist every <paramref name="poll"/> until the Worker has answered it (done or
    /// failed). The Worker's push (ai_assist) only reaches the person who asked and may come before the read, so polling
    /// is the one path; an assist takes a model call, a few seconds.</summary>
    /// <param name="poll">How long to wait before reading the assist again.</param>
    /// <param name="wake">Waits at most that long, returning early when the answer is signalled (the live feed's
    /// ai_assist change, <see cref="Realtime.LiveFeed.WaitForAsync"/>); null: the poll alone.</param>
    public async Task<AiAssist> AssistAndWaitAsync(long projectId, long conversationId, string kind, long? templateId, TimeSpan poll,
        CancellationToken ct = default, Func<TimeSpan, CancellationToken, Task>? wake = null)
    {
        var assist = await RequestAssistAsync(projectId, conversationId, kind, templateId, ct);
        while (assist.Status == "pending")
        {
            await (wake?.Invoke(poll, ct) ?? Task.Delay(poll, ct));
            assist = await AssistAsync(projectId, conversationId, assist.Id, ct);
        }
        return assist;
    }

    /// <summary>The conversation's latest summary, or null when none came back yet (204).</summary>
    public async Task<AiAssist?> SummaryAsync(long projectId, long conversationId, CancellationToken ct = default)
    {
        using var response = await RequestAsync(HttpMethod.Get, $"{ConversationAi(projectId, conversationId)}/summary", null, ct);
        return response.StatusCode == HttpStatusCode.NoContent ? null : await response.Content.ReadFromJsonAsync<AiAssist>(ct);
    }

    public Task<ClassificationResult[]> ClassificationOfAsync(long projectId, long conversationId, CancellationToken ct = default) =>
        GetAsync<ClassificationResult[]>($"{ConversationAi(projectId, conversationId)}/classification", ct);

    private static string Classification(long projectId) => $"projects/{projectId}/ai/classification";

    public Task<ClassificationLabel[]> ClassificationLabelsAsync(long projectId, CancellationToken ct = default) =>
        GetAsync<ClassificationLabel[]>($"{Classification(projectId)}/labels", ct);

    public Task<ClassificationLabel> CreateClassificationLabelAsync(long projectId, ClassificationLabelRequest label, CancellationToken ct = default) =>
        SendAsync<ClassificationLabel>(HttpMethod.Post, $"{Classification(projectId)}/labels", label, ct);

    public Task<ClassificationLabel> UpdateClassificationLabelAsync(long projectId, long labelId, ClassificationLabelRequest label, CancellationToken ct = default) =>
        SendAsync<ClassificationLabel>(HttpMethod.Put, $"{Classification(projectId)}/labels/{labelId}", label, ct);

    public Task DeleteClassificationLabelAsync(long projectId, long labelId, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Delete, $"{Classification(projectId)}/labels/{labelId}", null, ct);

    public Task<ClassificationSettings> ClassificationSettingsAsync(long projectId, CancellationToken ct = default) =>
        GetAsync<ClassificationSettings>($"{Classification(projectId)}/settings", ct);

    public Task<ClassificationSettings> SetClassificationSettingsAsync(long projectId, ClassificationSettings settings, CancellationToken ct = default) =>
        SendAsync<ClassificationSettings>(HttpMethod.Put, $"{Classification(projectId)}/settings", settings, ct);

    public Task<ClassificationJob[]> ClassificationJobsAsync(long projectId, CancellationToken ct = default) =>
        GetAsync<ClassificationJob[]>($"{Classification(projectId)}/jobs", ct);

    public Task<ClassificationJob> CreateClassificationJobAsync(long projectId, ClassificationJobRequest job, CancellationToken ct = default) =>
        SendAsync<ClassificationJob>(HttpMethod.Post, $"{Classification(projectId)}/jobs", job, ct);

    public Task<ClassificationJob> CancelClassificationJobAsync(long projectId, long jobId, CancellationToken ct = default) =>
        SendAsync<ClassificationJob>(HttpMethod.Post, $"{Classification(projectId)}/jobs/{jobId}/cancel", null, ct);
}
