-- Ingestion in two transactions (issue 19, "faster durable ingest"). The Webhook API's raw stage COPYs a batch's raw
-- events into stg_events and calls meta.ingest_raw_staged: the events and their meta.ingest_pending rows commit, and
-- the webhooks are acknowledged (Ingest:AckMode Durable). Its normalizing stage then, on its own connection, claims the
-- new events (meta.claim_pending_events deletes their pending rows: whoever deletes a row normalizes that event, once),
-- COPYs their parsed rows with their event ids into stg_new_events and the other stg_* tables, and calls
-- meta.normalize_staged in the same transaction. What a crash leaves pending is claimed by any Webhook API after a
-- while (meta.claim_orphaned_events) and normalized from the raw body. Idempotent: a redelivered body (same event hash)
-- is dropped whole; a message or status seen before (same provider id, + status) is ignored.
--
-- p_analyze: refresh the staging tables' statistics. Without any, the planner guesses; with fresh ones on every
-- batch, every cached plan is rebuilt every batch (measured: 4,000 vs 3,400 events/s). The flusher asks for it
-- when the batch size moved a lot since the last time, so plans follow the load without being rebuilt each time.
drop function if exists meta.ingest_staged();
drop function if exists meta.ingest_staged(boolean);

-- The raw stage: the batch's events not stored before, with their ids. The first copy of a body within the batch wins;
-- copies already stored are duplicates and are not returned. The unique event hash is claimed first in the narrow
-- meta.webhook_event_hashes (migration 0053: a partitioned table cannot hold a unique key without its partition key),
-- with the id the raw event then takes: a concurrent batch with the same body waits on that hash and then skips it.
-- An event the parser could not read, or whose rows were refused before (parse_error, ingest_error), has nothing to
-- normalize: it is stored, not pending (pending = false).
create or replace function meta.ingest_raw_staged() returns table (seq int, event_id bigint, pending boolean)
language plpgsql as $$ -- plpgsql, not sql: a sql function's body is checked at creation, when stg_events does not exist
begin
    return query
    with firsts as (
        select distinct on (s.event_hash) * from stg_events s order by s.event_hash, s.seq
    ), fresh as (
        insert into meta.webhook_event_hashes (event_hash, event_id, received_at)
        select f.event_hash, nextval('meta.webhook_events_id_seq'), f.received_at from firsts f
        on conflict (event_hash) do nothing
        returning webhook_event_hashes.event_hash, webhook_event_hashes.event_id
    ), ins as (
        insert into meta.webhook_events (id, event_hash, app_id, received_at, body, object_kind, parse_status, parse_error)
        select n.event_id, f.event_hash, f.app_id, f.received_at, f.body, f.object_kind, f.parse_status, f.parse_error
        from fresh n join firsts f on f.event_hash = n.event_hash
        returning id, webhook_events.event_hash, webhook_events.parse_status not in ('parse_error', 'ingest_error') as is_pending
    ), queued as (
        insert into meta.ingest_pending (event_id) select ins.id from ins where ins.is_pending
    )
    select f.seq, ins.id, ins.is_pending from ins join firsts f on f.event_hash = ins.event_hash;
end
$$;

-- The normalizing stage's claim of the events its raw stage just stored: the ones still pending (an orphan pass may
-- have taken some). Deleting the row holds it until this transaction ends, so nobody else normalizes them meanwhile.
create or replace function meta.claim_pending_events(p_event_ids bigint[]) returns setof bigint
language sql as $$
    delete from meta.ingest_pending where event_id = any(p_event_ids) returning event_id;
$$;

-- Events left pending longer than p_min_age_seconds (their Webhook API died between its two transactions, or fell
-- far behind): claimed oldest first, skipping rows another normalizer holds, with what is needed to parse them again.
-- The claimed ids are gathered first and the bodies then read by id: joined to the claim's CTE instead, the function's
-- generic plan merge-joined the claim with the raw events' whole primary key from its first id, reading every raw
-- event kept to reach the newest (3 s and 3.5 GB a call for 6.6 M raw events: a recovery after a crash at scale would
-- have crawled at ~150 events/s). plpgsql, so the read is planned with the array and not as one statement.
create or replace function meta.claim_orphaned_events(p_min_age_seconds int, p_limit int)
returns table (event_id bigint, app_id bigint, received_at timestamptz, body bytea)
language plpgsql as $$
declare
    v_ids bigint[];
begin
    with claimed as (
        delete from meta.ingest_pending p
        where p.event_id in (select q.event_id from meta.ingest_pending q
                             where q.pending_since < now() - make_interval(secs => p_min_age_seconds)
                             order by q.event_id limit p_limit for update skip locked)
        returning p.event_id
    )
    select array_agg(c.event_id) into v_ids from claimed c;
    if v_ids is null then return; end if;
    return query
    select e.id, e.app_id, e.received_at, e.body from meta.webhook_events e where e.id = any(v_ids) order by e.id;
end
$$;

-- An event whose normalized rows the database refused (e.g. a \u0000 inside JSON, which jsonb rejects): kept raw with
-- the reason, like every event that could not be read, and no longer pending.
create or replace function meta.fail_pending_event(p_event_id bigint, p_error text) returns void
language sql as $$
    update meta.webhook_events set parse_status = 'ingest_error', parse_error = p_error where id = p_event_id;
    delete from meta.ingest_pending where event_id = p_event_id;
$$;

-- A failure to normalize one event on its own that was not the database refusing its data (a defect, an exception in
-- the parser, a lock that keeps timing out): counted on its pending row (committed, unlike the failed attempt). At
-- p_max_attempts it is kept raw with ingest_error and the last reason, and no longer pending; true then.
create or replace function meta.note_normalize_failure(p_event_id bigint, p_error text, p_max_attempts int) returns boolean
language plpgsql as $$
declare
    v_attempts int;
begin
    update meta.ingest_pending set attempts = attempts + 1, last_error = p_error where event_id = p_event_id
    returning attempts into v_attempts;
    if v_attempts >= p_max_attempts then
        perform meta.fail_pending_event(p_event_id, format('gave up after %s attempts: %s', v_attempts, p_error));
        return true;
    end if;
    return false;
end
$$;

-- The normalizing stage: stg_new_events holds the claimed events (seq, id, received_at, signing app), the other stg_*
-- tables their parsed rows by seq.
create or replace function meta.normalize_staged(p_analyze boolean,
    out messages_inserted int, out statuses_inserted int)
language plpgsql as $$
declare
    v_keys bigint[];
begin
    if p_analyze then analyze stg_new_events, stg_messages, stg_statuses, stg_media, stg_business; end if;

    -- 2. Resolve ids into the staging rows one join at a time. Each step joins one staged table to one indexed
    --    table, so every lookup uses its whole unique index (a single multi-way join let the planner probe
    --    chat.contacts by project and channel only: 25 ms of a 66 ms batch, measured with auto_explain).
    --    An account is matched only within the app whose secret signed the event (n.app_id): a body signed with
    --    app A's secret that names app B's account finds no account, so it is flagged below and changes nothing.
    --    The (channel, external_id) unique index finds the row; the app is a filter on that one row.
    update stg_messages m set event_id = n.event_id, received_at = n.received_at from stg_new_events n where n.seq = m.seq;
    update stg_messages m set account_id = a.id, project_id = a.project_id
    from meta.accounts a, stg_new_events n
    where n.seq = m.seq and a.channel = m.channel and a.external_id = m.account_external_id and a.app_id = n.app_id;
    update stg_statuses s set event_id = n.event_id, received_at = n.received_at from stg_new_events n where n.seq = s.seq;
    update stg_statuses s set account_id = a.id, project_id = a.project_id
    from meta.accounts a, stg_new_events n
    where n.seq = s.seq and a.channel = s.channel and a.external_id = s.account_external_id and a.app_id = n.app_id;
    update stg_media md set account_id = a.id
    from meta.accounts a, stg_new_events n
    where n.seq = md.seq and a.channel = md.channel and a.external_id = md.account_external_id and a.app_id = n.app_id;

    -- 3. Batches normalized side by side (Ingest:Normalizers stages, and every other Webhook API's) take turns on what
    --    they share: one transaction-scoped lock per customer (project, channel, customer id: their contact, their
    --    conversations and the messages in them) and per message (account, provider id: the message and its statuses).
    --    Row locks alone cannot do it: a status and its message arriving in two concurrent batches each read the
    --    other's rows before they commit, so the message kept "sent" with "delivered" in its history, and a
    --    conversation's latest message was compared with a version another batch was replacing. Taken in key order
    --    before any shared row is written, so two batches never wait for each other in a circle; about two locks per
    --    event, released at commit. A batch with more keys than the lock table should hold for one transaction
    --    (max_locks_per_transaction is 64 by default, shared by all) takes the whole ingestion alone instead: every
    --    batch holds the ingestion lock shared while it takes its keys.
    select array_agg(k.key order by k.key) into v_keys
    from (select hashtextextended('c:' || project_id || ':' || channel || ':' || customer_external_id, 19) as key
          from stg_messages where project_id is not null
          union
          select hashtextextended('c:' || project_id || ':' || channel || ':' || customer_external_id, 19)
          from stg_statuses where project_id is not null and customer_external_id is not null
          union
          select hashtextextended('m:' || account_id || ':' || provider_message_id, 19)
          from stg_messages where account_id is not null and provider_message_id is not null
          union
          select hashtextextended('m:' || account_id || ':' || provider_message_id, 19)
          from stg_statuses where account_id is not null and provider_message_id is not null) k;
    if cardinality(v_keys) > 2000 then
        perform pg_advisory_xact_lock(hashtextextended('meta.normalize_staged', 19));
    elsif v_keys is not null then
        perform pg_advisory_xact_lock_shared(hashtextextended('meta.normalize_staged', 19));
        perform pg_advisory_xact_lock(k) from unnest(v_keys) k; -- unnest keeps the array's order
    end if;

    -- Readiness: the first webhook each account received. Once every account has one, the guard is a probe of an
    -- empty partial index (accounts_awaiting_first_webhook) and the batch writes nothing more. Rows locked in id order:
    -- two batches naming the same new accounts must not lock them in opposite orders.
    if exists (select 1 from meta.accounts where first_webhook_at is null) then
        update meta.accounts a set first_webhook_at = now()
        from (select id from meta.accounts
              where first_webhook_at is null
                and id in (select account_id from stg_messages where account_id is not null
                           union select account_id from stg_statuses where account_id is not null)
              order by id for update) l
        where a.id = l.id;
    end if;

    -- Flag events that name an account no project owns under the signing app (none at all, or another app's):
    -- kept raw, never normalized into a project.
    with missing as (
        select event_id, channel || ':' || account_external_id as ref from stg_messages where event_id is not null and account_id is null
        union
        select event_id, channel || ':' || account_external_id from stg_statuses where event_id is not null and account_id is null
        union
        select n.event_id, coalesce('whatsapp:' || b.account_external_id, 'waba:' || b.waba_id)
        from stg_business b join stg_new_events n using (seq)
        where case when b.account_external_id is not null
                   then not exists (select 1 from meta.accounts a where a.channel = 'whatsapp' and a.external_id = b.account_external_id
                                                                     and a.app_id = n.app_id)
                   else b.waba_id is not null and not exists (select 1 from meta.accounts a where a.waba_id = b.waba_id
                                                                                               and a.app_id = n.app_id) end
    )
    update meta.webhook_events e
    set is_unowned = true, unowned_account_ids = m.refs
    from (select event_id, array_agg(ref order by ref) as refs from missing group by event_id) m
    where e.id = m.event_id;

    messages_inserted := case when exists (select 1 from stg_messages where account_id is not null)
                              then chat.ingest_staged_messages(p_analyze) else 0 end;
    -- Statuses run for new messages too: their statuses may have arrived first.
    statuses_inserted := case when messages_inserted > 0 or exists (select 1 from stg_statuses where account_id is not null)
                              then chat.ingest_staged_statuses(p_analyze) else 0 end;
    if exists (select 1 from stg_business) then
        perform meta.ingest_staged_business();
    end if;
    -- The consoles' wake-up is sent by ops.emit_changes with the rows (PostgreSQL folds a transaction's identical
    -- notifications into one, so a batch still wakes the Core API once).
end
$$;
