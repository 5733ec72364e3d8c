using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using MultichannelMessages.Worker.Tests.Support;

namespace MultichannelMessages.Worker.Tests.Calls;

/// <summary>
/// What the call action tests share: the sandbox playing the WhatsApp user (its control API) and Meta (its Graph API,
/// read back as the test's truth), and the rows the other services would write — a ringing call as ingestion makes it
/// from the connect webhook, an accept or a connect as the Core API queues it — so the Worker is tested on its own.
/// </summary>
public sealed class CallKit(WorkerDatabase db, SandboxHost sandbox)
{
    static CallKit() => Dapper.DefaultTypeMap.MatchNamesWithUnderscores = true;

    public WorkerDatabase Db { get; } = db;
    public SandboxHost Sandbox { get; } = sandbox;

    public long AccountId { get; private set; }

    public static async Task<CallKit> StartAsync(string label, bool enableCalling = true)
    {
        var db = await WorkerDatabase.CreateAsync(label);
        var sandbox = await SandboxHost.StartInMemoryAsync();
        var kit = new CallKit(db, sandbox)
        {
            AccountId = await db.ScalarAsync<long>("select id from meta.accounts where external_id = @id", new { id = WorkerDatabase.WhatsApp }),
        };
        if (enableCalling) await kit.GraphAsync(HttpMethod.Post, "settings", new { calling = new { status = "ENABLED" } });
        return kit;
    }

    /// <summary>A Graph request to the sandbox as the number's owner (test setup, and reading what Meta holds).</summary>
    public async Task<JsonElement> GraphAsync(HttpMethod method, string path, object? body = null)
    {
        using var request = new HttpRequestMessage(method, $"/v21.0/{WorkerDatabase.WhatsApp}/{path}");
        if (body is not null) request.Content = JsonContent.Create(body);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", WorkerDatabase.TokenOf(WorkerDatabase.WhatsApp));
        using var response = await Sandbox.Client.SendAsync(request);
        var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
        Assert.True(response.IsSuccessStatusCode, json.ToString());
        return json;
    }

    /// <summary>The customer (and their conversation) on the demo number.</summary>
    public async Task<(long ContactId, long ConversationId)> CustomerAsync(string waId)
    {
        var contactId = await Db.ScalarAsync<long>("""
            insert into chat.contacts (project_id, channel, external_id, phone, display_name)
            values (@ProjectId, 'whatsapp', @waId, @waId, 'Caller ' || right(@waId, 4))
            on conflict (project_id, channel, external_id) do update set updated_at = now()
            returning id
            """, new { Db.ProjectId, waId });
        var conversationId = await Db.ScalarAsync<long>("""
            insert into chat.conversations (project_id, account_id, contact_id, channel, last_inbound_at)
            values (@ProjectId, @AccountId, @contactId, 'whatsapp', now())
            on conflict (account_id, contact_id) do update set last_inbound_at = now()
            returning id
            """, new { Db.ProjectId, AccountId, contactId });
        return (contactId, conversationId);
    }

    /// <summary>The customer calls through the sandbox, and the call is written as ingestion writes it from the connect
    /// webhook: ringing, with Meta's call id and the customer's offer.</summary>
    public async Task<InboundCall> CustomerCallsAsync(string from, TimeSpan? rangFor = null)
    {
        using var response = await Sandbox.Client.PostAsJsonAsync($"/sandbox/customers/{WorkerDatabase.WhatsApp}/calls", new { from });
        var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
        Assert.True((int)response.StatusCode == 201, json.ToString());
        var wacid = json.GetProperty("call_id").GetString()!;
        var (contactId, conversationId) = await CustomerAsync(from);
        var callId = await Db.ScalarAsync<long>("""
            insert into calls.calls (project_id, account_id, conversation_id, contact_id, provider_call_id, direction, state, offer_sdp, ringing_at)
            values (@ProjectId, @AccountId, @conversationId, @contactId, @wacid, 'in', 'ringing', @offer, now() - make_interval(secs => @rang))
            returning id
            """, new { Db.ProjectId, AccountId, conversationId, contactId, wacid, offer = json.GetProperty("sdp").GetString(),
                       rang = (rangFor ?? TimeSpan.Zero).TotalSeconds });
        await Db.ExecuteAsync("select calls.touch(@callId)", new { callId });
        return new InboundCall(callId, wacid, contactId, conversationId);
    }

    /// <summary>What the Core API does when a person takes the call: accepting, the browser's answer, and the action.</summary>
    public Task<long> AcceptAsync(long callId, string? sdp = null) => Db.ScalarAsync<long>("""
        with taken as (
            update calls.calls set state = 'accepting', answer_sdp = @sdp, accepted_at = now(), updated_at = now()
            where id = @callId and state = 'ringing'
            returning id, project_id, account_id
        )
        insert into calls.actions (project_id, account_id, call_id, kind, sdp)
        select project_id, account_id, id, 'accept', @sdp from taken
        returning id
        """, new { callId, sdp = sdp ?? BrowserAnswer });

    /// <summary>What the Core API does when a person rejects or hangs up: the call ends here first, then Meta is told.</summary>
    public Task<long> EndAndQueueAsync(long callId, string outcome, string kind) => Db.ScalarAsync<long>("""
        with ended as (
            update calls.calls set state = 'ended', outcome = @outcome, ended_at = now(), ended_by = 'agent', updated_at = now()
            where id = @callId and state <> 'ended'
            returning id
        )
        insert into calls.actions (project_id, account_id, call_id, kind)
        select project_id, account_id, id, @kind from calls.calls where id = @callId
        returning id
        """, new { callId, outcome, kind });

    /// <summary>A person calls the customer: the call (connecting, the browser's offer) and its connect action.</summary>
    public async Task<(long CallId, long ActionId)> CallCustomerAsync(string waId, TimeSpan? connectingFor = null)
    {
        var (contactId, conversationId) = await CustomerAsync(waId);
        var callId = await Db.ScalarAsync<long>("""
            insert into calls.calls (project_id, account_id, conversation_id, contact_id, direction, state, offer_sdp, ringing_at)
            values (@ProjectId, @AccountId, @conversationId, @contactId, 'out', 'connecting', @offer, now() - make_interval(secs => @age))
            returning id
            """, new { Db.ProjectId, AccountId, conversationId, contactId, offer = BrowserOffer, age = (connectingFor ?? TimeSpan.Zero).TotalSeconds });
        var actionId = await QueueAsync("connect", callId, contactId, BrowserOffer);
        return (callId, actionId);
    }

    public Task<long> QueueAsync(string kind, long? callId = null, long? contactId = null, string? sdp = null) => Db.ScalarAsync<long>("""
        insert into calls.actions (project_id, account_id, call_id, contact_id, kind, sdp)
        values (@ProjectId, @AccountId, @callId, @contactId, @kind, @sdp)
        returning id
        """, new { Db.ProjectId, AccountId, callId, contactId, kind, sdp });

    /// <summary>The business asks the customer for permission (Graph), and the customer answers in the sandbox.</summary>
    public async Task GrantPermissionAsync(string waId, bool permanent = false)
    {
        await GraphAsync(HttpMethod.Post, "messages", new
        {
            messaging_product = "whatsapp", to = waId, type = "interactive",
            interactive = new { type = "call_permission_request", body = new { text = "May we call you?" }, action = new { name = "call_permission_request" } },
        });
        using var response = await Sandbox.Client.PostAsJsonAsync($"/sandbox/customers/{WorkerDatabase.WhatsApp}/call-permission",
            new { from = waId, response = "accept", permanent });
        Assert.Equal(202, (int)response.StatusCode);
    }

    public async Task<SandboxCall> SandboxCallAsync(string wacid) =>
        (await Sandbox.Client.GetFromJsonAsync<SandboxCall>($"/sandbox/calls/{wacid}", SandboxHost.Json))!;

    public async Task<IReadOnlyList<SandboxCall>> SandboxCallsToAsync(string user) =>
        (await Sandbox.Client.GetFromJsonAsync<List<SandboxCall>>($"/sandbox/calls?account_id={WorkerDatabase.WhatsApp}&user={user}", SandboxHost.Json))!;

    public async Task<CallRow> CallAsync(long callId) => (await Db.QueryAsync<CallRow>("""
        select id, state, outcome, provider_call_id, connected_at, ended_by, error_code, error_title, error_details
        from calls.calls where id = @callId
        """, new { callId })).Single();

    public async Task<CallRow> WaitForCallAsync(long callId, Func<CallRow, bool> condition, string because, int seconds = 15)
    {
        CallRow? row = null;
        await Eventually.TrueAsync(async () => condition(row = await CallAsync(callId)), TimeSpan.FromSeconds(seconds), because);
        return row!;
    }

    public async Task<ActionRow> WaitForActionAsync(long actionId, string because, int seconds = 15)
    {
        ActionRow? row = null;
        await Eventually.TrueAsync(async () => (row = await ActionAsync(actionId)).State != "pending", TimeSpan.FromSeconds(seconds), because);
        return row!;
    }

    public async Task<ActionRow> ActionAsync(long actionId) => (await Db.QueryAsync<ActionRow>(
        "select id, kind, state, attempt_count, last_error, response::text from calls.actions where id = @actionId", new { actionId })).Single();

    /// <summary>The call's audit trail: source and name, in order.</summary>
    public async Task<string[]> EventsAsync(long callId) => [.. await Db.QueryAsync<string>(
        "select source || ':' || name from calls.call_events where call_id = @callId order by id", new { callId })];

    /// <summary>What the Worker asked of Meta for the call, as the sandbox saw it (refused ones included).</summary>
    public static string[] GraphActions(SandboxCall call) => [.. call.Timeline.Where(e => e.Source == "graph").Select(e => e.Name)];

    /// <summary>What Chromium writes for an audio-only RTCPeerConnection (trimmed): an offer and its answer.</summary>
    public const string BrowserOffer =
        "v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0\r\na=msid-semantic: WMS\r\n" +
        "m=audio 9 UDP/TLS/RTP/SAVPF 111 126\r\nc=IN IP4 0.0.0.0\r\na=rtcp:9 IN IP4 0.0.0.0\r\na=ice-ufrag:khLS\r\n" +
        "a=ice-pwd:cxLzteJaJBou3DspNaPsJhlQ\r\na=ice-options:trickle\r\n" +
        "a=fingerprint:sha-256 FA:14:42:3B:C7:97:1B:E8:AE:0C:2E:5B:A4:75:72:64:7C:8A:05:3A:41:5F:1D:CD:84:3A:95:9F:6E:2D:8C:B1\r\n" +
        "a=setup:actpass\r\na=mid:0\r\na=sendrecv\r\na=rtcp-mux\r\na=rtpmap:111 opus/48000/2\r\na=fmtp:111 minptime=10;useinbandfec=1\r\n" +
        "a=rtpmap:126 telephone-event/8000\r\n";

    public static readonly string BrowserAnswer = BrowserOffer.Replace("a=setup:actpass", "a=setup:active").Replace("khLS", "aB9x");
}

public sealed record InboundCall(long CallId, string Wacid, long ContactId, long ConversationId);

public sealed record CallRow(long Id, string State, string? Outcome, string? ProviderCallId, DateTime? ConnectedAt, string? EndedBy,
    int? ErrorCode, string? ErrorTitle, string? ErrorDetails);

public sealed record ActionRow(long Id, string Kind, string State, int AttemptCount, string? LastError, string? Response);

public sealed record SandboxCall(string Id, string User, string Direction, string State, string? Outcome, int? ErrorCode, string? CallbackData,
    string Offer, string? Answer, List<SandboxCallEvent> Timeline);

public sealed record SandboxCallEvent(DateTimeOffset At, string Source, string Name, string? Detail);

/// <summary>Meta answering 503 (code 2, "temporarily unavailable") to the first <c>failures</c> requests of one calling
/// action, in front of the sandbox: its faults cover business connects only, not accepts.</summary>
public sealed class UnavailableFor(string action, int failures) : DelegatingHandler
{
    private int _left = failures;

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (request.Content is not null && request.RequestUri!.AbsolutePath.EndsWith("/calls", StringComparison.Ordinal)
            && (await request.Content.ReadAsStringAsync(cancellationToken)).Contains($"\"action\":\"{action}\"", StringComparison.Ordinal)
            && Interlocked.Decrement(ref _left) >= 0)
            return new HttpResponseMessage(System.Net.HttpStatusCode.ServiceUnavailable)
            {
                Content = new StringContent("""{"error":{"message":"(#2) Service temporarily unavailable","type":"OAuthException","code":2}}""",
                    System.Text.Encoding.UTF8, "application/json"),
            };
        return await base.SendAsync(request, cancellationToken);
    }
}

/// <summary>Meta taking a calling action but its answer never arriving in time: the request reaches the sandbox, then
/// the answer is held past the Worker's Graph timeout.</summary>
public sealed class AnswerLostFor(string action, TimeSpan hold) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var lose = request.Content is not null && request.RequestUri!.AbsolutePath.EndsWith("/calls", StringComparison.Ordinal)
            && (await request.Content.ReadAsStringAsync(cancellationToken)).Contains($"\"action\":\"{action}\"", StringComparison.Ordinal);
        var response = await base.SendAsync(request, CancellationToken.None);
        if (lose) await Task.Delay(hold, cancellationToken);
        return response;
    }
}
