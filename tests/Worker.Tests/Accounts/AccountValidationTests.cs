using System.Net.Http.Json;
using MultichannelMessages.Platform.Secrets;
using MultichannelMessages.Worker.Tests.Support;

namespace MultichannelMessages.Worker.Tests.Accounts;

/// <summary>
/// Accounts connected from the console, validated by the real Worker against the sandbox as Meta: a number that
/// belongs to its WABA is valid with Meta's details and the app subscribed; a WABA or page the token cannot use needs
/// attention with the reason. A token Meta stops honouring while sending pauses the account's sends (nothing dead-
/// lettered, no attempt spent); a new token resumes them, each sent exactly once.
/// </summary>
public sealed class AccountValidationTests
{
    private sealed record State(string ValidationStatus, string? ValidationError, string? DisplayPhoneNumber, string? VerifiedName,
        string? QualityRating, string? MessagingLimit, string? ThroughputLevel, DateTime? SubscribedAt, string Name);

    private static async Task<State> StateAsync(WorkerDatabase db, long accountId) => (await db.QueryAsync<State>("""
        select validation_status, validation_error, display_phone_number, verified_name, quality_rating, messaging_limit, throughput_level,
               subscribed_at, name
        from meta.accounts where id = @accountId
        """, new { accountId })).Single();

    /// <summary>What the Core API does on "connect": the row (pending), then its token encrypted for that row.</summary>
    private static async Task<long> ConnectAsync(WorkerDatabase db, string channel, string externalId, string? wabaId, string token)
    {
        var appId = (await db.QueryAsync<long>("select min(id) from meta.apps")).Single();
        var accountId = (await db.QueryAsync<long>(
            "select account_id from meta.connect_account(@ProjectId, @appId, @channel, @externalId, @wabaId, @externalId, null)",
            new { db.ProjectId, appId, channel, externalId, wabaId })).Single();
        await SetTokenAsync(db, accountId, token);
        return accountId;
    }

    private static async Task SetTokenAsync(WorkerDatabase db, long accountId, string token) =>
        await db.ExecuteAsync("select meta.set_account_token(@ProjectId, @accountId, @enc)", new
        {
            db.ProjectId, accountId,
            enc = new SecretProtector(WorkerDatabase.MasterKey).Protect(token, SecretPlace.AccessToken(accountId)),
        });

    private static async Task<State> SettledAsync(WorkerDatabase db, long accountId)
    {
        State? state = null;
        await Eventually.TrueAsync(async () => (state = await StateAsync(db, accountId)).ValidationStatus != "pending",
            TimeSpan.FromSeconds(20), $"account {accountId} validated");
        return state!;
    }

    private static async Task RegisterAsync(SandboxHost sandbox, string id, string kind, string token, string? waba, string name) =>
        (await sandbox.Client.PostAsJsonAsync("/sandbox/accounts",
            new { id, kind, access_token = token, waba_id = waba, display_phone_number = waba is null ? null : "1555" + id[^7..], name },
            SandboxHost.Json)).EnsureSuccessStatusCode();

    [Fact]
    public async Task A_number_of_its_WABA_is_valid_with_Metas_details_and_the_app_subscribed()
    {
        var db = await WorkerDatabase.CreateAsync("acct_valid");
        await using var sandbox = await SandboxHost.StartInMemoryAsync();
        await RegisterAsync(sandbox, "981000000000001", "whatsapp", "EAAG-new-number-token-1", "991000000000001", "Bicicletas Sol");
        await using var worker = WorkerHost.Start(db, sandbox);

        var accountId = await ConnectAsync(db, "whatsapp", "981000000000001", "991000000000001", "EAAG-new-number-token-1");
        var state = await SettledAsync(db, accountId);

        Assert.Equal(("valid", null), (state.ValidationStatus, state.ValidationError));
        Assert.Equal(("15550000001", "Bicicletas Sol", "GREEN", "TIER_1K", "STANDARD"),
            (state.DisplayPhoneNumber, state.VerifiedName, state.QualityRating, state.MessagingLimit, state.ThroughputLevel));
        Assert.NotNull(state.SubscribedAt);
        Assert.Equal("Bicicletas Sol", state.Name); // it was named by its id; Meta's verified name replaces that
        Assert.Contains("991000000000001", (await sandbox.Client.GetFromJsonAsync<string[]>("/sandbox/subscriptions"))!);
    }

    [Fact]
    public async Task A_WABA_or_page_the_token_cannot_use_and_a_refused_token_need_attention_with_the_reason()
    {
        var db = await WorkerDatabase.CreateAsync("acct_refused");
        await using var sandbox = await SandboxHost.StartInMemoryAsync();
        await RegisterAsync(sandbox, "982000000000001", "whatsapp", "EAAG-number-token-2", "992000000000001", "Number two");
        await RegisterAsync(sandbox, "982000000000002", "whatsapp", "EAAG-someone-elses-token", "992000000000002", "Someone else");
        await RegisterAsync(sandbox, "982000000000003", "messenger", "EAAG-page-token-3", null, "Shop page");
        await RegisterAsync(sandbox, "982000000000004", "whatsapp", "EAAG-expired-token-4", "992000000000004", "Expired");
        (await sandbox.Client.PostAsync("/sandbox/accounts/982000000000004/token/expire", null)).EnsureSuccessStatusCode();
        await using var worker = WorkerHost.Start(db, sandbox);

        // The number is the token's, but the WABA given is someone else's.
        var wrongWaba = await ConnectAsync(db, "whatsapp", "982000000000001", "992000000000002", "EAAG-number-token-2");
        // A page with a token that cannot manage it.
        var foreignPage = await ConnectAsync(db, "messenger", "982000000000003", null, "EAAG-number-token-2");
        var expired = await ConnectAsync(db, "whatsapp", "982000000000004", "992000000000004", "EAAG-expired-token-4");
        // An Instagram id Meta does not know at all.
        var unknown = await ConnectAsync(db, "instagram", "982000000000099", null, "EAAG-number-token-2");

        var waba = await SettledAsync(db, wrongWaba);
        Assert.Equal("needs_attention", waba.ValidationStatus);
        Assert.StartsWith("not_found_or_no_permission: WhatsApp Business Account: 100/33", waba.ValidationError);
        var page = await SettledAsync(db, foreignPage);
        Assert.StartsWith("not_found_or_no_permission: page: 100/33", page.ValidationError);
        var token = await SettledAsync(db, expired);
        Assert.StartsWith("token_expired: phone number: 190/463", token.ValidationError);
        Assert.StartsWith("not_found_or_no_permission: Instagram account: 100/33", (await SettledAsync(db, unknown)).ValidationError);
        Assert.DoesNotContain("992000000000002", (await sandbox.Client.GetFromJsonAsync<string[]>("/sandbox/subscriptions"))!);

        // The page with its own token: valid (the control of the refusals above).
        await SetTokenAsync(db, foreignPage, "EAAG-page-token-3");
        var fixedPage = await SettledAsync(db, foreignPage);
        Assert.Equal(("valid", "Shop page"), (fixedPage.ValidationStatus, fixedPage.Name));
    }

    /// <summary>The refused send's row comes back unspent once its deferral is written, which lands after the account is
    /// marked (a loaded machine showed it still claimed a second later); then several polls of the pump claim nothing.</summary>
    private static async Task AssertWaitingUnspentAsync(WorkerDatabase db, long[] ids)
    {
        const string Rows = "select attempt_count::bigint, completed_at is not null from ops.outbox where message_id = any(@ids)";
        await Eventually.TrueAsync(async () => (await db.QueryAsync<(long Attempts, bool Completed)>(Rows, new { ids })).All(w => w == (0L, false)),
            TimeSpan.FromSeconds(20), "the refused send deferred, unspent");
        await Task.Delay(TimeSpan.FromSeconds(1)); // several polls of the pump: still nothing claimed
        var waiting = await db.QueryAsync<(long Attempts, bool Completed)>(Rows, new { ids });
        Assert.Equal(ids.Length, waiting.Count);
        Assert.All(waiting, w => Assert.Equal((0L, false), w));
    }

    [Fact]
    public async Task An_expired_token_pauses_the_accounts_sends_and_a_new_token_sends_each_exactly_once()
    {
        var db = await WorkerDatabase.CreateAsync("acct_pause");
        var accountId = (await db.QueryAsync<long>("select id from meta.accounts where external_id = @id", new { id = WorkerDatabase.WhatsApp })).Single();
        await using var sandbox = await SandboxHost.StartInMemoryAsync();
        (await sandbox.Client.PostAsync($"/sandbox/accounts/{WorkerDatabase.WhatsApp}/token/expire", null)).EnsureSuccessStatusCode();
        var queued = await db.QueueTextsAsync(WorkerDatabase.WhatsApp, 3, "3467100");
        await using var worker = WorkerHost.Start(db, sandbox);

        // Meta refuses the token: the account needs attention, the rows wait, unspent and not dead-lettered.
        await Eventually.TrueAsync(async () => (await StateAsync(db, accountId)).ValidationStatus == "needs_attention",
            TimeSpan.FromSeconds(20), "the account needs attention");
        Assert.StartsWith("token_expired: sending: 190/463", (await StateAsync(db, accountId)).ValidationError);
        await AssertWaitingUnspentAsync(db, [.. queued.Select(q => q.MessageId)]);
        Assert.Empty(await db.QueryAsync<long>("select id from ops.dead_letters"));
        Assert.Empty(await sandbox.SentAsync());

        // The business gets a new token from Meta and pastes it: validated, resumed, each message sent once.
        (await sandbox.Client.PutAsJsonAsync($"/sandbox/accounts/{WorkerDatabase.WhatsApp}/token", new { access_token = "EAAG-renewed-token" }, SandboxHost.Json))
            .EnsureSuccessStatusCode();
        await SetTokenAsync(db, accountId, "EAAG-renewed-token");
        Assert.Equal(0L, await db.WaitForOutboxDrainedAsync(TimeSpan.FromSeconds(20)));
        Assert.Equal("valid", (await StateAsync(db, accountId)).ValidationStatus);
        var sent = await sandbox.SentAsync();
        Assert.Equal(3, sent.Count);
        Assert.Equal(3, sent.Select(s => s.To).Distinct().Count());
        Assert.Equal(["sent", "sent", "sent"], await db.QueryAsync<string>(
            "select status from chat.messages where id = any(@ids) order by id", new { ids = queued.Select(q => q.MessageId).ToArray() }));
    }

    [Fact]
    public async Task A_wrong_new_token_keeps_the_sends_paused_and_a_refusal_of_the_old_token_does_not_pause_the_renewed_account()
    {
        var db = await WorkerDatabase.CreateAsync("acct_wrong_token");
        var accountId = (await db.QueryAsync<long>("select id from meta.accounts where external_id = @id", new { id = WorkerDatabase.WhatsApp })).Single();
        await using var sandbox = await SandboxHost.StartInMemoryAsync();
        await RegisterAsync(sandbox, "983000000000001", "whatsapp", "EAAG-another-numbers-token-5", "993000000000001", "Another number");
        (await sandbox.Client.PostAsync($"/sandbox/accounts/{WorkerDatabase.WhatsApp}/token/revoke?reason=app_removed", null)).EnsureSuccessStatusCode();
        var queued = await db.QueueTextsAsync(WorkerDatabase.WhatsApp, 2, "3467200");
        var ids = queued.Select(q => q.MessageId).ToArray();
        await using var worker = WorkerHost.Start(db, sandbox);
        await Eventually.TrueAsync(async () => (await StateAsync(db, accountId)).ValidationStatus == "needs_attention",
            TimeSpan.FromSeconds(20), "the account needs attention");
        Assert.StartsWith("app_not_authorized: sending: 190/458", (await StateAsync(db, accountId)).ValidationError);
        var oldToken = (await db.QueryAsync<byte[]>("select access_token_enc from meta.accounts where id = @accountId", new { accountId })).Single();

        // The admin pastes another number's token: the Worker refuses it once; the messages keep waiting, unspent.
        await SetTokenAsync(db, accountId, "EAAG-another-numbers-token-5");
        var wrong = await SettledAsync(db, accountId);
        Assert.StartsWith("not_found_or_no_permission: phone number: 100/33", wrong.ValidationError);
        await AssertWaitingUnspentAsync(db, ids);
        Assert.Empty(await db.QueryAsync<long>("select id from ops.dead_letters"));
        Assert.Empty(await sandbox.SentAsync());

        // The right token: valid, resumed, each sent once.
        (await sandbox.Client.PutAsJsonAsync($"/sandbox/accounts/{WorkerDatabase.WhatsApp}/token", new { access_token = "EAAG-the-right-token-6" }, SandboxHost.Json))
            .EnsureSuccessStatusCode();
        await SetTokenAsync(db, accountId, "EAAG-the-right-token-6");
        Assert.Equal(0L, await db.WaitForOutboxDrainedAsync(TimeSpan.FromSeconds(20)));
        Assert.Equal(2, (await sandbox.SentAsync()).Count);

        // A send that left with the old token and came back refused after the new one validated: no pause.
        Assert.False((await db.QueryAsync<bool>("select meta.account_needs_attention(@accountId, 'token_refused: sending: late', @oldToken)",
            new { accountId, oldToken })).Single());
        Assert.Equal(("valid", false), ((await StateAsync(db, accountId)).ValidationStatus,
            (await db.QueryAsync<bool>("select sends_paused_at is not null from meta.accounts where id = @accountId", new { accountId })).Single()));
    }

    [Fact]
    public async Task A_disconnected_account_unsubscribes_the_app_unless_another_connected_number_shares_its_WABA()
    {
        var db = await WorkerDatabase.CreateAsync("acct_disconnect");
        await using var sandbox = await SandboxHost.StartInMemoryAsync();
        await RegisterAsync(sandbox, "984000000000001", "whatsapp", "EAAG-shared-waba-token-7", "994000000000001", "First of two");
        await RegisterAsync(sandbox, "984000000000002", "whatsapp", "EAAG-shared-waba-token-8", "994000000000001", "Second of two");
        await RegisterAsync(sandbox, "984000000000003", "messenger", "EAAG-lonely-page-token-9", null, "Lonely page");
        await using var worker = WorkerHost.Start(db, sandbox);
        var first = await ConnectAsync(db, "whatsapp", "984000000000001", "994000000000001", "EAAG-shared-waba-token-7");
        var second = await ConnectAsync(db, "whatsapp", "984000000000002", "994000000000001", "EAAG-shared-waba-token-8");
        var page = await ConnectAsync(db, "messenger", "984000000000003", null, "EAAG-lonely-page-token-9");
        foreach (var id in new[] { first, second, page }) Assert.Equal("valid", (await SettledAsync(db, id)).ValidationStatus);
        Assert.Contains("994000000000001", (await sandbox.Client.GetFromJsonAsync<string[]>("/sandbox/subscriptions"))!);
        Assert.Contains("984000000000003", (await sandbox.Client.GetFromJsonAsync<string[]>("/sandbox/subscriptions"))!);

        async Task<(string Status, bool Token)> DisconnectAsync(long id)
        {
            Assert.True((await db.QueryAsync<bool>("select meta.disconnect_account(@ProjectId, @id)", new { db.ProjectId, id })).Single());
            (string Status, bool Token) row = default;
            await Eventually.TrueAsync(async () => (row = (await db.QueryAsync<(string, bool)>(
                "select status, access_token_enc is not null from meta.accounts where id = @id", new { id })).Single()).Status == "disconnected",
                TimeSpan.FromSeconds(20), $"account {id} disconnected");
            return row;
        }

        // The WABA still carries the second number: the app stays subscribed. The page was alone: unsubscribed.
        Assert.Equal(("disconnected", false), await DisconnectAsync(first));
        Assert.Contains("994000000000001", (await sandbox.Client.GetFromJsonAsync<string[]>("/sandbox/subscriptions"))!);
        Assert.Equal(("disconnected", false), await DisconnectAsync(page));
        Assert.DoesNotContain("984000000000003", (await sandbox.Client.GetFromJsonAsync<string[]>("/sandbox/subscriptions"))!);
        // The last number of the WABA goes: unsubscribed too.
        await DisconnectAsync(second);
        Assert.DoesNotContain("994000000000001", (await sandbox.Client.GetFromJsonAsync<string[]>("/sandbox/subscriptions"))!);
    }
}
