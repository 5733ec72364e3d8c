using Dapper;
using Npgsql;

namespace MultichannelMessages.Worker.Tests.Deadlocks;

/// <summary>
/// What the deadlock tests need to replay an interleaving on real connections: a status batch through the real
/// meta.ingest_raw_staged and meta.normalize_staged left uncommitted (its locks held), and a way to see another connection's statement either
/// finish or wait for a lock — a state PostgreSQL reports (pg_locks), not a timing.
/// </summary>
internal static class Interleaving
{
    public sealed record Status(string AccountExternalId, string ProviderMessageId, string Value, string Customer, long? CallbackMessageId = null);

    /// <summary>One batch of status webhooks, staged by hand as the Webhook API's flusher stages them (StagingWriter)
    /// and stored and normalized by meta.ingest_raw_staged and meta.normalize_staged in the caller's transaction, which the caller commits. A status's
    /// CallbackMessageId is the biz_opaque_callback_data the Worker sets on its sends (our message id).</summary>
    public static async Task IngestStatusesAsync(NpgsqlConnection connection, NpgsqlTransaction tx, params Status[] statuses)
    {
        await connection.ExecuteAsync("select meta.create_ingest_staging(); select meta.reset_ingest_staging();", transaction: tx);
        var seq = 0;
        foreach (var s in statuses)
        {
            var payload = s.CallbackMessageId is { } id ? $$"""{"biz_opaque_callback_data":"{{id}}"}""" : "{}";
            await connection.ExecuteAsync("""
                insert into stg_events (seq, event_hash, app_id, received_at, body, object_kind, parse_status)
                select @seq, sha256(convert_to(gen_random_uuid()::text, 'UTF8')), a.app_id, now(), convert_to(@payload, 'UTF8'),
                       'whatsapp_business_account', 'normalized'
                from meta.accounts a where a.channel = 'whatsapp' and a.external_id = @account;
                insert into stg_statuses (seq, channel, account_external_id, waba_id, provider_message_id, status, customer_external_id,
                                          occurred_at, payload)
                select @seq, 'whatsapp', a.external_id, a.waba_id, @providerMessageId, @value, @customer, now(), @payload
                from meta.accounts a where a.channel = 'whatsapp' and a.external_id = @account;
                """, new { seq = ++seq, account = s.AccountExternalId, s.ProviderMessageId, s.Value, s.Customer, payload }, tx);
        }
        await StoreAndNormalizeAsync(connection, tx);
    }

    /// <summary>One batch of customer text messages on a WhatsApp account, staged and normalized the same way.</summary>
    public static async Task IngestMessagesAsync(NpgsqlConnection connection, NpgsqlTransaction tx, string accountExternalId,
                                                 string customer, params (string Wamid, string Body)[] messages)
    {
        await connection.ExecuteAsync("select meta.create_ingest_staging(); select meta.reset_ingest_staging();", transaction: tx);
        var seq = 0;
        foreach (var (wamid, body) in messages)
            await connection.ExecuteAsync("""
                insert into stg_events (seq, event_hash, app_id, received_at, body, object_kind, parse_status)
                select @seq, sha256(convert_to(gen_random_uuid()::text, 'UTF8')), a.app_id, now(), convert_to('{}', 'UTF8'),
                       'whatsapp_business_account', 'normalized'
                from meta.accounts a where a.channel = 'whatsapp' and a.external_id = @account;
                insert into stg_messages (seq, channel, account_external_id, waba_id, customer_external_id, customer_name, direction,
                                          is_echo, provider_message_id, type, body, payload, occurred_at)
                select @seq, 'whatsapp', a.external_id, a.waba_id, @customer, 'María', 'in', false, @wamid, 'text', @body, '{}', now()
                from meta.accounts a where a.channel = 'whatsapp' and a.external_id = @account;
                """, new { seq = ++seq, account = accountExternalId, customer, wamid, body }, tx);
        await StoreAndNormalizeAsync(connection, tx);
    }

    /// <summary>The Webhook API's two stages, here in the caller's transaction so a test can hold the normalization's
    /// locks: the raw stage stores the staged events, the normalizing stage claims them and normalizes their rows.</summary>
    private static Task StoreAndNormalizeAsync(NpgsqlConnection connection, NpgsqlTransaction tx) =>
        connection.ExecuteAsync("""
            insert into stg_new_events (seq, event_id, received_at, app_id)
            select r.seq, r.event_id, s.received_at, s.app_id from meta.ingest_raw_staged() r join stg_events s on s.seq = r.seq;
            select meta.claim_pending_events(array(select event_id from stg_new_events));
            select meta.normalize_staged(false);
            """, transaction: tx);

    /// <summary>Returns once <paramref name="work"/> has finished (false) or a client connection to the database waits
    /// for a row lock (true): the backend <paramref name="pid"/> when given, else any (the test's own connections are the
    /// only clients, so that is the work waiting for the other side). Row locks are what both sides of these deadlocks
    /// wait for (the holder's transaction id, and the tuple lock that queues waiters); a moment's wait for a relation
    /// extension lock, or autovacuum's work, is not a conflict between the two sides.</summary>
    public static async Task<bool> WaitsForALockAsync(string connectionString, Task work, int? pid = null)
    {
        await using var observer = new NpgsqlConnection(connectionString);
        await observer.OpenAsync();
        var guard = DateTime.UtcNow.AddMinutes(1); // against a hang only; nothing is asserted on time
        while (!work.IsCompleted)
        {
            if (await observer.ExecuteScalarAsync<bool>("""
                    select exists (select 1 from pg_locks l join pg_stat_activity a on a.pid = l.pid
                                   where not l.granted and l.locktype in ('transactionid', 'tuple')
                                     and a.datname = current_database() and a.backend_type = 'client backend'
                                     and (@pid::int is null or a.pid = @pid))
                    """, new { pid }))
                return true;
            if (DateTime.UtcNow > guard) throw new TimeoutException("the work neither finished nor waited for a lock");
            await Task.Delay(10);
        }
        return false;
    }
}
