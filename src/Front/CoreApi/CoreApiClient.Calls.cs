using System.Net.Http.Headers;

namespace MultichannelMessages.Front.CoreApi;

// WhatsApp calls (src/Contracts/Calls.cs lists the routes; docs/calls.md "Console").
public sealed partial class CoreApiClient
{
    public Task<LiveCall[]> LiveCallsAsync(long projectId, CancellationToken ct = default) =>
        GetAsync<LiveCall[]>($"projects/{projectId}/calls/live", ct);

    public Task<CallDetail> CallAsync(long projectId, long callId, CancellationToken ct = default) =>
        GetAsync<CallDetail>($"projects/{projectId}/calls/{callId}", ct);

    public Task<CallDetail> AcceptCallAsync(long projectId, long callId, string sdp, CancellationToken ct = default) =>
        SendAsync<CallDetail>(HttpMethod.Post, $"projects/{projectId}/calls/{callId}/accept", new AcceptCallRequest(sdp), ct);

    public Task<CallDetail> RejectCallAsync(long projectId, long callId, CancellationToken ct = default) =>
        SendAsync<CallDetail>(HttpMethod.Post, $"projects/{projectId}/calls/{callId}/reject", null, ct);

    public Task<CallDetail> HangupCallAsync(long projectId, long callId, CancellationToken ct = default) =>
        SendAsync<CallDetail>(HttpMethod.Post, $"projects/{projectId}/calls/{callId}/hangup", null, ct);

    public Task<CallDetail> HoldCallAsync(long projectId, long callId, bool onHold, CancellationToken ct = default) =>
        SendAsync<CallDetail>(HttpMethod.Post, $"projects/{projectId}/calls/{callId}/hold", new HoldCallRequest(onHold), ct);

    public Task<CallDetail> StartCallAsync(long projectId, long conversationId, string sdp, CancellationToken ct = default) =>
        SendAsync<CallDetail>(HttpMethod.Post, $"projects/{projectId}/conversations/{conversationId}/calls", new StartCallRequest(sdp), ct);

    public Task<CallPermissionState> CallPermissionAsync(long projectId, long conversationId, CancellationToken ct = default) =>
        GetAsync<CallPermissionState>($"projects/{projectId}/conversations/{conversationId}/call-permission", ct);

    public Task<CallPermissionState> RequestCallPermissionAsync(long projectId, long conversationId, string? text, CancellationToken ct = default) =>
        SendAsync<CallPermissionState>(HttpMethod.Post, $"projects/{projectId}/conversations/{conversationId}/call-permission-requests",
            new PermissionRequestBody(text), ct);

    public Task<Switchboard> SwitchboardAsync(long projectId, CancellationToken ct = default) =>
        GetAsync<Switchboard>($"projects/{projectId}/calls/switchboard", ct);

    public Task<CallSettings> SaveCallSettingsAsync(long projectId, long accountId, CallSettings settings, CancellationToken ct = default) =>
        SendAsync<CallSettings>(HttpMethod.Put, $"projects/{projectId}/accounts/{accountId}/call-settings", settings, ct);

    public Task<CallAgent[]> CallAgentsAsync(long projectId, long accountId, CancellationToken ct = default) =>
        GetAsync<CallAgent[]>($"projects/{projectId}/accounts/{accountId}/call-agents", ct);

    public Task<CallAgent[]> SaveCallAgentsAsync(long projectId, long accountId, IReadOnlyList<CallAgent> agents, CancellationToken ct = default) =>
        SendAsync<CallAgent[]>(HttpMethod.Put, $"projects/{projectId}/accounts/{accountId}/call-agents", agents, ct);

    public Task<CallSettings> CallSettingsAsync(long projectId, long accountId, CancellationToken ct = default) =>
        GetAsync<CallSettings>($"projects/{projectId}/accounts/{accountId}/call-settings", ct);

    /// <summary>The recording the person's browser made, as it recorded it (audio/webm or audio/ogg).</summary>
    public async Task<RecordingInfo> UploadRecordingAsync(long projectId, long callId, Stream audio, string mimeType, int? durationMs,
        CancellationToken ct = default)
    {
        var content = new StreamContent(audio);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(mimeType);
        return await SendAsync<RecordingInfo>(HttpMethod.Post,
            $"projects/{projectId}/calls/{callId}/recording" + (durationMs is { } d ? $"?durationMs={d}" : ""), content, ct);
    }
}
