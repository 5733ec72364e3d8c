using Dapper;
using MultichannelMessages.Worker.Dashboards;
using MultichannelMessages.Worker.Tests.Support;
using Npgsql;

namespace MultichannelMessages.Worker.Tests.Dashboards;

/// <summary>
/// A crafted history for the dashboards' tests: conversations, messages and events written with the instants the test
/// chooses (created_at = occurred_at = the instant), as ingestion, the console, bots and AI agents leave them.
/// </summary>
public sealed class DashboardHistory(WorkerDatabase db)
{
    public WorkerDatabase Db => db;
    private int _customer;

    public Task<long> AccountAsync(string channel) => db.ScalarAsync<long>(
        "select id from meta.accounts where project_id = @ProjectId and channel = @channel order by id limit 1", new { db.ProjectId, channel });

    public Task<long> QueueAsync(string name) => db.ScalarAsync<long>(
        "insert into core.queues (project_id, name) values (@ProjectId, @name) returning id", new { db.ProjectId, name });

    public async Task<long> UserAsync(string email, string role = "agent")
    {
        var user = await db.ScalarAsync<long>("select core.create_user(@email, @email, 'x')", new { email });
        await db.ExecuteAsync("select core.grant_role(@ProjectId, @user, @role)", new { db.ProjectId, user, role });
        return user;
    }

    /// <summary>A new conversation on the account, routed to the queue at <paramref name="at"/> (as ingestion routes a new one).</summary>
    public async Task<long> ConversationAsync(long accountId, long? queueId, DateTimeOffset at)
    {
        var customer = "3460000" + Interlocked.Increment(ref _customer).ToString("D4");
        var id = await db.ScalarAsync<long>("""
            with a as (select id, project_id, channel from meta.accounts where id = @accountId),
            c as (insert into chat.contacts (project_id, channel, external_id) select project_id, channel, @customer from a returning id)
            insert into chat.conversations (project_id, account_id, contact_id, channel, queue_id, created_at)
            select a.project_id, a.id, c.id, a.channel, @queueId, @at from a, c returning id
            """, new { accountId, customer, queueId, at });
        if (queueId is not null) await EventAsync(id, "routed", at, queueId: queueId);
        return id;
    }

    public Task<long> InAsync(long conversationId, DateTimeOffset at) => MessageAsync(conversationId, "in", at);

    /// <summary>An outbound message: a person's (userId), an AI agent's, a bot's, a campaign's (campaignId) or the phone app's (none).</summary>
    public Task<long> OutAsync(long conversationId, DateTimeOffset at, long? userId = null, long? aiAgentId = null, long? flowId = null,
        long? campaignId = null) => MessageAsync(conversationId, "out", at, userId, aiAgentId, flowId, campaignId);

    private Task<long> MessageAsync(long conversationId, string direction, DateTimeOffset at, long? userId = null, long? aiAgentId = null,
        long? flowId = null, long? campaignId = null) => db.ScalarAsync<long>("""
            insert into chat.messages (project_id, conversation_id, account_id, direction, type, body, status, status_rank, occurred_at,
                                       created_at, sent_by_user_id, sent_by_ai_agent_id, sent_by_flow_id, client_message_id, payload)
            select c.project_id, c.id, c.account_id, @direction, 'text', 'x', case when @direction = 'in' then 'received' else 'sent' end,
                   0, @at, @at, @userId, @aiAgentId, @flowId,
                   case when @campaignId is not null then 'mass:' || gen_random_uuid() end,
                   case when @campaignId is not null then jsonb_build_object('campaign_id', @campaignId) end
            from chat.conversations c where c.id = @conversationId
            returning id
            """, new { conversationId, direction, at, userId, aiAgentId, flowId, campaignId });

    public Task EventAsync(long conversationId, string action, DateTimeOffset at, long? actor = null, long? queueId = null) => db.ExecuteAsync("""
        insert into chat.conversation_events (project_id, conversation_id, actor_user_id, action, queue_id, created_at)
        select c.project_id, c.id, @actor, @action, coalesce(@queueId, c.queue_id), @at from chat.conversations c where c.id = @conversationId
        """, new { conversationId, action, at, actor, queueId });

    public Task ResolveAsync(long conversationId, DateTimeOffset at, long? by = null) => EventAsync(conversationId, "resolved", at, by);

    public Task HandoffAsync(long conversationId, DateTimeOffset at, string source, string reason) => db.ExecuteAsync("""
        insert into ops.handoff_log (project_id, conversation_id, source, reason, created_at)
        select project_id, id, @source, @reason, @at from chat.conversations where id = @conversationId
        """, new { conversationId, at, source, reason });

    public Task StatusAsync(long accountId, DateTimeOffset at, string status, int? errorCode = null) => db.ExecuteAsync("""
        insert into chat.message_status_events (project_id, account_id, event_id, provider_message_id, status, occurred_at, error_code, payload)
        select project_id, id, 0, 'wamid.' || gen_random_uuid(), @status, @at, @errorCode, '{}' from meta.accounts where id = @accountId
        """, new { accountId, at, status, errorCode });

    /// <summary>Passes of the rollup until nothing is left. Each pass first waits for the rollup's lock: a running Worker's
    /// own pass holds it, and ops.dash_roll alone would then return 0 before that pass has committed what it took (the
    /// cause of a CI flake: the insights were read before the rollup they depend on). The lock is re-entrant in one
    /// session, so the pass inside takes it too. Returns how many passes added messages to kept episodes
    /// (ops.dash_append_episodes ran: counted by the transaction's own function statistics).</summary>
    public async Task<int> RollAsync() => (await RollMeasuredAsync()).Appending;

    /// <summary>
    /// The rollup pass until nothing is left, as the Worker runs it: how many of its transactions appended to kept
    /// episodes (ops.dash_append_episodes ran), and how many updates of ops.dash_episodes it made, and of those how many
    /// stayed on their page (HOT). A transaction's counters also hold earlier transactions' counts not yet reported to
    /// the statistics, so each is read before and after the pass, inside its transaction.
    /// </summary>
    public async Task<(int Appending, long Updated, long Hot)> RollMeasuredAsync()
    {
        const string Counters = """
            select coalesce((select calls from pg_stat_xact_user_functions where schemaname = 'ops' and funcname = 'dash_append_episodes'), 0),
                   pg_stat_get_xact_tuples_updated('ops.dash_episodes'::regclass), pg_stat_get_xact_tuples_hot_updated('ops.dash_episodes'::regclass)
            """;
        await using var connection = new NpgsqlConnection(db.ConnectionString);
        await connection.OpenAsync();
        var (appending, updated, hot) = (0, 0L, 0L);
        while (true)
        {
            await using var tx = await connection.BeginTransactionAsync();
            await connection.ExecuteAsync("select pg_advisory_xact_lock(hashtext('ops.dash_roll')); set local track_functions = 'pl'", transaction: tx);
            var before = await connection.QuerySingleAsync<(long Calls, long Updated, long Hot)>(Counters, transaction: tx);
            var done = await connection.ExecuteScalarAsync<int>("select ops.dash_roll(1000)", transaction: tx);
            var after = await connection.QuerySingleAsync<(long Calls, long Updated, long Hot)>(Counters, transaction: tx);
            if (after.Calls > before.Calls) appending++;
            updated += after.Updated - before.Updated;
            hot += after.Hot - before.Hot;
            await tx.CommitAsync();
            if (done == 0) return (appending, updated, hot);
        }
    }

    /// <summary>A tile function's rows, each row's values joined by '|' (null as ∅), for comparing whole figures.</summary>
    public async Task<string[]> TileAsync(string key, DateOnly from, DateOnly to, long? queueId = null, long? userId = null, string? channel = null)
    {
        await using var connection = new NpgsqlConnection(db.ConnectionString);
        var rows = await connection.QueryAsync($"""
            select * from ops.dash_tile_{key}(@ProjectId, @from::date, @to::date, null, @channel, @queueId, @userId, null, null, null)
            """, new { db.ProjectId, from = from.ToDateTime(TimeOnly.MinValue), to = to.ToDateTime(TimeOnly.MinValue), channel, queueId, userId });
        return rows.Cast<IDictionary<string, object?>>()
            .Select(r => string.Join('|', r.Values.Select(v => v switch
            {
                null => "∅",
                double d => d.ToString("0.#", System.Globalization.CultureInfo.InvariantCulture),
                decimal m => m.ToString("0.#", System.Globalization.CultureInfo.InvariantCulture),
                _ => Convert.ToString(v, System.Globalization.CultureInfo.InvariantCulture),
            })))
            .ToArray();
    }

    /// <summary>Every rollup row and episode fact of the project, as text, for comparing rebuilt with live.</summary>
    public Task<List<string>> SnapshotAsync() => db.QueryAsync<string>("""
        select 'm ' || (h.*)::text from ops.dash_message_hours h where project_id = @ProjectId
        union all select 's ' || (h.*)::text from ops.dash_status_hours h where project_id = @ProjectId
        union all select 'd ' || (d.*)::text from ops.dash_episode_days d where project_id = @ProjectId and (opened, reopened, resolved) <> (0, 0, 0)
        union all select 'e ' || (row(e.conversation_id, e.seq, e.account_id, e.channel, e.queue_id, e.opened_at, e.reopened, e.customer_at,
            e.first_response_at, e.first_response_kind, e.first_response_user_id, e.first_response_seconds, e.first_response_business_seconds,
            e.resolved_at, e.resolved_by_user_id, e.resolution_seconds, e.resolution_business_seconds, e.user_ids, e.ai_agent_id, e.flow_id,
            e.campaign_id, e.handoff_reason, e.handoff_source, e.messages_in, e.messages_out, e.person_messages, e.window_expiries,
            e.sla_due_at, e.last_at, e.open_expiry_at))::text
        from ops.dash_episodes e where project_id = @ProjectId
        union all select 'c ' || (c.*)::text from ops.dash_cube c where project_id = @ProjectId and (n, total) <> (0, 0)
        union all select 'r ' || (r.*)::text from ops.dash_funnel_reaches r where project_id = @ProjectId
        order by 1
        """, new { db.ProjectId });

    /// <summary>
    /// Every tile that reads the cube, for no filter and each single filter given, read from the cube
    /// (<c>ops.dash_tile_*</c>) and from the facts (<c>ops.dash_facts_*</c>): the rows that differ, as "tile filter: cube ≠ facts".
    /// </summary>
    public async Task<List<string>> CubeDifferencesAsync(DateOnly from, DateOnly to, params string[] filters)
    {
        string[] tiles = ["conversations", "messages", "messages_by_hour", "first_response", "resolution", "response_times", "sla",
            "window_expiries", "delivery", "failures", "agents", "containment", "handoff_reasons", "channels", "funnel"];
        var differences = new List<string>();
        foreach (var tile in tiles)
            foreach (var filter in (string[])["null, null, null, null, null, null, null", .. filters])
            {
                var rows = await db.QueryAsync<(string? Cube, string? Facts)>($"""
                    select (select string_agg(x::text, ' ; ' order by x::text) from ops.dash_tile_{tile}(@ProjectId, @from::date, @to::date, {filter}) x),
                           (select string_agg(x::text, ' ; ' order by x::text) from ops.dash_facts_{tile}(@ProjectId, @from::date, @to::date, {filter}) x)
                    """, new { db.ProjectId, from = from.ToDateTime(TimeOnly.MinValue), to = to.ToDateTime(TimeOnly.MinValue) });
                var (cube, facts) = rows.Single();
                if (cube != facts) differences.Add($"{tile} ({filter}): {cube} ≠ {facts}");
            }
        return differences;
    }

    /// <summary>The funnel from the facts with every reach computed from the stages' facts (as while a funnel's revision
    /// is not counted yet), rows as text, for comparing with the reaches kept.</summary>
    public async Task<string[]> FunnelRecomputedAsync(DateOnly from, DateOnly to, string filter = NoFilter)
    {
        await using var connection = new NpgsqlConnection(db.ConnectionString);
        await connection.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await connection.ExecuteAsync("update ops.dash_funnels set counted_revision = -1 where project_id = @ProjectId", new { db.ProjectId }, transaction);
        var rows = await connection.QueryAsync<string>($"select x::text from ops.dash_facts_funnel(@ProjectId, @from::date, @to::date, {filter}) x",
            new { db.ProjectId, from = from.ToDateTime(TimeOnly.MinValue), to = to.ToDateTime(TimeOnly.MinValue) }, transaction);
        await transaction.RollbackAsync();
        return [.. rows];
    }

    /// <summary>The funnel as the tile gives it (from the cube with no filter or one), rows as text.</summary>
    public async Task<string[]> FunnelAsync(DateOnly from, DateOnly to, string filter = NoFilter) =>
        [.. await db.QueryAsync<string>($"select x::text from ops.dash_tile_funnel(@ProjectId, @from::date, @to::date, {filter}) x",
            new { db.ProjectId, from = from.ToDateTime(TimeOnly.MinValue), to = to.ToDateTime(TimeOnly.MinValue) })];

    public const string NoFilter = "null, null, null, null, null, null, null";
}

public static class DashboardHistoryExtensions
{
    public static Task<long> AiAgentAsync(this DashboardHistory h) => h.Db.ScalarAsync<long>(
        "insert into bot.ai_agents (project_id, name, draft) values (@ProjectId, 'Dash AI ' || gen_random_uuid(), '{}') returning id", new { h.Db.ProjectId });

    public static Task<long> FlowAsync(this DashboardHistory h) => h.Db.ScalarAsync<long>(
        "insert into bot.flows (project_id, name, draft) values (@ProjectId, 'Dash flow ' || gen_random_uuid(), '{}') returning id", new { h.Db.ProjectId });
}
