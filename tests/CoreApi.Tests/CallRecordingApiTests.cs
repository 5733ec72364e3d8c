using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using MultichannelMessages.Contracts.Calls;
using static MultichannelMessages.CoreApi.Tests.ProblemResponses;

namespace MultichannelMessages.CoreApi.Tests;

/// <summary>A call's recording: uploaded by the browser of who took the call, check then store (a refused upload leaves
/// no file in the media store), one per call, heard by them and by calls.recordings, never by another project.</summary>
public sealed class CallRecordingApiTests(CoreHost host) : IClassFixture<CoreHost>
{
    private static int _customer;

    /// <summary>A WebM file's first bytes (EBML magic) and some audio-ish payload, unique per call so keys differ.</summary>
    private static byte[] Audio(int size = 4096)
    {
        var bytes = RandomNumberGenerator.GetBytes(size);
        bytes[0] = 0x1A; bytes[1] = 0x45; bytes[2] = 0xDF; bytes[3] = 0xA3;
        return bytes;
    }

    private async Task<(long CallId, long ConversationId)> ConnectedCallAsync(string takenBy, long? accountId = null, bool connected = true)
    {
        var customer = $"3497{Interlocked.Increment(ref _customer) + Random.Shared.Next(100000, 999999) * 100:D10}";
        var conversationId = await host.ConversationAsync(accountId ?? host.DemoAccountId, customer, "hola");
        var callId = await host.ScalarAsync<long>("""
            insert into calls.calls (project_id, account_id, conversation_id, contact_id, provider_call_id, direction, state, offer_sdp,
                                     accepted_by, connected_at, answer_sdp)
            select v.project_id, v.account_id, v.id, v.contact_id, 'wacid.rec' || v.id, 'in', case when @connected then 'connected' else 'accepting' end,
                   'v=0', u.id, case when @connected then now() - interval '30 seconds' end, 'v=0'
            from chat.conversations v, core.users u where v.id = @conversationId and u.email = @takenBy
            returning id
            """, new { conversationId, takenBy, connected });
        await host.ScalarAsync<int>("select 1 from calls.touch(@callId)", new { callId });
        return (callId, conversationId);
    }

    private Task RecordingOnAsync(long accountId, bool on) => host.ScalarAsync<int>("""
        insert into calls.settings (account_id, project_id, recording_enabled, recording_retention_days)
        select id, project_id, @on, 30 from meta.accounts where id = @accountId
        on conflict (account_id) do update set recording_enabled = excluded.recording_enabled
        returning 1
        """, new { accountId, on });

    private static ByteArrayContent Body(byte[] bytes, string type = "audio/webm")
    {
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(type);
        return content;
    }

    private string Url(long callId, long? projectId = null) => $"/projects/{projectId ?? host.DemoProjectId}/calls/{callId}/recording";

    private int StoredFiles() => Directory.Exists(Path.Combine(host.MediaRoot, $"p{host.DemoProjectId}", "calls"))
        ? Directory.GetFiles(Path.Combine(host.MediaRoot, $"p{host.DemoProjectId}", "calls")).Length : 0;

    [Fact]
    public async Task Who_took_the_call_uploads_its_recording_once_it_shows_in_the_thread_and_is_heard_by_them_and_a_supervisor()
    {
        await RecordingOnAsync(host.DemoAccountId, true);
        var (callId, conversationId) = await ConnectedCallAsync("agent@demo.local");
        var agent = await host.As("agent@demo.local");
        var audio = Audio();

        var created = await agent.PostAsync(Url(callId) + "?durationMs=30000", Body(audio));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var info = (await created.Content.ReadFromJsonAsync<RecordingInfo>())!;
        Assert.Equal(("audio/webm", (long)audio.Length, (int?)30000), (info.MimeType, info.SizeBytes, info.DurationMs));
        Assert.InRange((info.ExpiresAt - info.CreatedAt).TotalDays, 29.9, 30.1); // the number's retention

        // The thread's event says so, and the call's trail.
        Assert.True(await host.ScalarAsync<bool>(
            "select (payload ->> 'has_recording')::boolean from chat.messages where conversation_id = @conversationId and type = 'call'", new { conversationId }));
        var detail = (await agent.GetFromJsonAsync<CallDetail>($"/projects/{host.DemoProjectId}/calls/{callId}"))!;
        Assert.Equal(info.Id, detail.Recording!.Id);
        Assert.Contains(detail.Events, e => e.Name == "recording_uploaded");

        // Heard back byte for byte by the agent who took it and by a supervisor (calls.recordings).
        foreach (var email in new[] { "agent@demo.local", "supervisor@demo.local" })
        {
            var heard = await (await host.As(email)).GetAsync(Url(callId));
            Assert.Equal(HttpStatusCode.OK, heard.StatusCode);
            Assert.Equal("audio/webm", heard.Content.Headers.ContentType!.MediaType);
            Assert.Equal("nosniff", heard.Headers.GetValues("X-Content-Type-Options").Single());
            Assert.Equal(audio, await heard.Content.ReadAsByteArrayAsync());
        }

        // One per call: a second upload is refused and changes nothing.
        Assert.Equal((HttpStatusCode.Conflict, CallErrors.RecordingExists, null), await ProblemOf(await agent.PostAsync(Url(callId), Body(Audio()))));
        Assert.Equal(audio, await (await agent.GetAsync(Url(callId))).Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Refused_uploads_name_the_reason_and_leave_no_file_in_the_store()
    {
        var other = await host.ScalarAsync<long>(
            "select meta.upsert_account(@DemoProjectId, null, 'whatsapp', 'rec-phone-2', 'rec-waba-2', '15550002222', 'Quiet number')",
            new { host.DemoProjectId });
        await RecordingOnAsync(other, false);
        await RecordingOnAsync(host.DemoAccountId, true);
        var agent = await host.As("agent@demo.local");
        var before = StoredFiles();

        var (notRecorded, _) = await ConnectedCallAsync("agent@demo.local", accountId: other);
        Assert.Equal((HttpStatusCode.Conflict, CallErrors.RecordingDisabled, null), await ProblemOf(await agent.PostAsync(Url(notRecorded), Body(Audio()))));
        var (supervisors, _) = await ConnectedCallAsync("supervisor@demo.local");
        Assert.Equal((HttpStatusCode.Forbidden, CallErrors.NotYours, null), await ProblemOf(await agent.PostAsync(Url(supervisors), Body(Audio()))));
        var (neverConnected, _) = await ConnectedCallAsync("agent@demo.local", connected: false);
        Assert.Equal((HttpStatusCode.Conflict, CallErrors.NotConnected, null), await ProblemOf(await agent.PostAsync(Url(neverConnected), Body(Audio()))));
        var (mine, _) = await ConnectedCallAsync("agent@demo.local");
        Assert.Equal((HttpStatusCode.BadRequest, CallErrors.RecordingUnsupported, "Content-Type"),
            await ProblemOf(await agent.PostAsync(Url(mine), Body(Audio(), "video/mp4"))));
        Assert.Equal((HttpStatusCode.BadRequest, CallErrors.RecordingEmpty, "body"), await ProblemOf(await agent.PostAsync(Url(mine), Body([]))));
        Assert.Equal(before, StoredFiles());
        Assert.Equal(0, await host.ScalarAsync<int>("select count(*)::int from calls.recordings where call_id = any(@ids)",
            new { ids = new[] { notRecorded, supervisors, neverConnected, mine } }));

        // Positive control: the same agent's own connected call on the recording number is stored.
        Assert.Equal(HttpStatusCode.Created, (await agent.PostAsync(Url(mine), Body(Audio(), "audio/ogg; codecs=opus"))).StatusCode);
        Assert.Equal(before + 1, StoredFiles());
    }

    [Fact]
    public async Task Another_agent_does_not_hear_a_recording_and_another_project_never_finds_it()
    {
        await RecordingOnAsync(host.DemoAccountId, true);
        var (callId, _) = await ConnectedCallAsync("supervisor@demo.local");
        var supervisor = await host.As("supervisor@demo.local");
        Assert.Equal(HttpStatusCode.Created, (await supervisor.PostAsync(Url(callId), Body(Audio()))).StatusCode);

        // An agent who did not take it has no calls.recordings.
        var agent = await host.As("agent@demo.local");
        Assert.Equal((HttpStatusCode.Forbidden, CallErrors.NotYours, null), await ProblemOf(await agent.GetAsync(Url(callId))));
        // Another project's admin, with the real call id: not found, on their project's route and on ours.
        var outsider = await host.As("outsider@other.local");
        Assert.Equal(HttpStatusCode.NotFound, (await outsider.GetAsync(Url(callId, host.OtherProjectId))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await outsider.GetAsync(Url(callId))).StatusCode);
        // Positive control: the admin of the call's project hears it.
        Assert.Equal(HttpStatusCode.OK, (await (await host.As("admin@demo.local")).GetAsync(Url(callId))).StatusCode);
        // A call without a recording says so.
        var (silent, _) = await ConnectedCallAsync("supervisor@demo.local");
        Assert.Equal(HttpStatusCode.NotFound, (await supervisor.GetAsync(Url(silent))).StatusCode);
    }
}
