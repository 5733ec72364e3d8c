-- The Worker's side of ops.outbox. Every function that finishes a row checks the lease is still the caller's:
-- a Worker whose lease expired (and was taken over) cannot overwrite what the new owner did.

-- Claims up to p_limit due rows: never-claimed or lease-expired, oldest first, skipping rows another Worker holds.
-- in_doubt: a previous attempt started sending and its outcome was never recorded (its Worker died, or the request
-- timed out); in_doubt_age_ms says how long ago it started, so the Worker can wait for Meta's confirming status.
-- messages_per_second: the account's throughput (null: the Worker's default). Rows of a paused account (Meta refused
-- its token; meta.accounts.sends_paused_at) are not claimed: its sends wait instead of failing one by one.
drop function if exists ops.claim_outbox(text, int, int);
create function ops.claim_outbox(p_worker text, p_limit int, p_lease_seconds int)
returns table (outbox_id bigint, attempt_count int, project_id bigint, message_id bigint, account_id bigint,
               channel text, account_external_id text, access_token_enc bytea, messages_per_second double precision,
               recipient text, type text, body text, payload jsonb, client_message_id text, due_at timestamptz,
               in_doubt boolean, in_doubt_age_ms bigint)
-- PL/pgSQL, not SQL: a SQL function that is not inlined plans its statement again on every call (PostgreSQL 15), and
-- this one, joining the partitioned messages, cost more to plan than to run; PL/pgSQL keeps the session's plan.
language plpgsql as $$
#variable_conflict use_column
begin
    -- The claim's commit does not wait for its WAL to reach the disk: a claim lost in a crash only hands its rows back,
    -- and a send needs ops.start_outbox_send first, which checks the lease and commits synchronously (so its flush
    -- carries this claim's WAL with it). One flush less between a reply's claim and its request.
    set local synchronous_commit = off;
    return query
    with claimed as (
        update ops.outbox o
        set locked_by = p_worker, locked_until = now() + make_interval(secs => p_lease_seconds),
            attempt_count = o.attempt_count + 1
        where o.id in (
            select p.id from ops.outbox p
            where p.completed_at is null and p.next_attempt_at <= now() and (p.locked_until is null or p.locked_until < now())
              -- An account whose token Meta refused is paused: its rows wait, unspent, until a new token validates.
              and not exists (select 1 from meta.accounts pa where pa.id = p.account_id and pa.sends_paused_at is not null)
              -- A conversation's messages go out in order: not before its earlier ones are finished.
              and not exists (select 1 from ops.outbox e
                              where e.conversation_id = p.conversation_id and e.completed_at is null and e.id < p.id)
            order by p.next_attempt_at, p.id
            for update skip locked
            limit p_limit)
        returning o.id, o.attempt_count, o.project_id, o.message_id, o.account_id, o.next_attempt_at, o.send_started_at
    )
    select c.id, c.attempt_count, c.project_id, c.message_id, c.account_id, a.channel, a.external_id, a.access_token_enc,
           a.messages_per_second::double precision, ct.external_id, m.type, m.body, m.payload, m.client_message_id,
           c.next_attempt_at, c.send_started_at is not null,
           (extract(epoch from now() - c.send_started_at) * 1000)::bigint
    from claimed c
    join meta.accounts a on a.id = c.account_id
    join chat.messages m on m.id = c.message_id
    join chat.conversations cv on cv.id = m.conversation_id
    join chat.contacts ct on ct.id = cv.contact_id
    order by c.id;
end
$$;

-- Just before the Graph request: records that a send is under way, and checks the lease is still ours and still
-- running (false: do not send).
create or replace function ops.start_outbox_send(p_outbox_id bigint, p_worker text)
returns boolean
language sql as $$
    update ops.outbox set send_started_at = now()
    where id = p_outbox_id and locked_by = p_worker and completed_at is null and locked_until > now()
    returning true
$$;

-- Meta accepted a send: the message takes Meta's id (status sent) and any status webhook that beat us to it. An
-- echo of this very message (Messenger/Instagram echo our own sends) may have been stored first as a separate row:
-- it is folded into ours so the thread shows the message once. Shared by the outbox and campaigns.
create or replace function chat.adopt_provider_id(p_message_id bigint, p_provider_message_id text) returns void
language plpgsql as $$
declare
    v_message chat.messages;
    v_best record;
    v_echo_id bigint;
begin
    select * into v_message from chat.messages where id = p_message_id;
    select id into v_echo_id from chat.messages
    where account_id = v_message.account_id and provider_message_id = p_provider_message_id and id <> v_message.id;
    if v_echo_id is not null then
        delete from chat.media where message_id = v_echo_id;
        update chat.conversations set last_message_id = v_message.id where last_message_id = v_echo_id;
        delete from chat.messages where id = v_echo_id;
    end if;

    select h.status, chat.status_rank(h.status) as rank, h.occurred_at, h.error_code, h.error_title, h.error_details
    into v_best
    from chat.message_status_events h
    where h.account_id = v_message.account_id and h.provider_message_id = p_provider_message_id
      and chat.status_rank(h.status) > chat.status_rank('sent')
    order by chat.status_rank(h.status) desc
    limit 1;

    update chat.messages
    set provider_message_id = p_provider_message_id,
        status = coalesce(v_best.status, 'sent'),
        status_rank = coalesce(v_best.rank, chat.status_rank('sent')),
        status_at = coalesce(v_best.occurred_at, now()),
        error_code = v_best.error_code, error_title = v_best.error_title, error_details = v_best.error_details
    where id = v_message.id;

    perform ops.emit_change(v_message.project_id, 'message_status', v_message.conversation_id, v_message.id);
end
$$;

-- Locks the messages of several outbox rows in ascending id order, first thing in a transaction that completes or
-- fails them together (OutboxStore.WriteAsync batches the Worker's answers in the order Meta returned them). Each of
-- ops.complete_outbox and ops.fail_outbox locks its own message first, so one send is safe; two in one transaction
-- took their messages in arrival order while ingestion's adoption of their early statuses took them in id order, and
-- each side held one message waiting for the other (40P01, IngestionDeadlockTests). Taken here, in id order and
-- before any outbox row, the Worker only ever waits for a message while holding messages of lower ids. A row already
-- finished is left alone: nothing in the batch writes its message.
create or replace function ops.lock_outbox_messages(p_outbox_ids bigint[]) returns int
language sql as $$
    select count(*)::int from (
        select 1 from chat.messages m
        where m.id in (select o.message_id from ops.outbox o where o.id = any(p_outbox_ids) and o.completed_at is null)
        order by m.id
        for no key update of m) locked
$$;

create or replace function ops.complete_outbox(p_outbox_id bigint, p_worker text, p_provider_message_id text)
returns boolean
language plpgsql as $$
declare
    v_message_id bigint;
begin
    -- The message first, then the outbox row: ingestion's order (chat.ingest_staged_statuses adopts an early status by
    -- updating chat.messages and then ops.outbox, batched), so that Meta's "sent", arriving before this answer is
    -- recorded, cannot deadlock with it (outbox-then-message did: bench/RESULTS.md, Soak, issue 19). Ordering the
    -- batch the other way would lock outbox rows on every status batch for a race of one send in thousands. The lease
    -- is ours, so the message_id read unlocked here is the one the update below returns.
    perform 1 from chat.messages
    where id = (select o.message_id from ops.outbox o where o.id = p_outbox_id and o.locked_by = p_worker and o.completed_at is null)
    for no key update;
    update ops.outbox set completed_at = now(), locked_until = null, last_error = null
    where id = p_outbox_id and locked_by = p_worker and completed_at is null
    returning message_id into v_message_id;
    if v_message_id is null then
        -- A status webhook carrying our callback data may have confirmed this very send while its answer was on
        -- the way (chat.ingest_staged_statuses): that is success, not a lost lease.
        return exists (select 1 from ops.outbox o join chat.messages m on m.id = o.message_id
                       where o.id = p_outbox_id and o.completed_at is not null
                         and m.provider_message_id = p_provider_message_id);
    end if;
    perform chat.adopt_provider_id(v_message_id, p_provider_message_id);
    perform mass.count_initiation(v_message_id);
    return true;
end
$$;

-- A transient failure: release the lease and try again after p_delay_ms (the outcome is known: not sent).
create or replace function ops.retry_outbox(p_outbox_id bigint, p_worker text, p_error text, p_delay_ms int)
returns boolean
language sql as $$
    update ops.outbox
    set locked_by = null, locked_until = null, last_error = p_error, send_started_at = null,
        next_attempt_at = now() + make_interval(secs => p_delay_ms / 1000.0)
    where id = p_outbox_id and locked_by = p_worker and completed_at is null
    returning true
$$;

-- The request's outcome is unknown (it timed out, or the connection broke after it was sent): Meta may have the
-- message. The row is released with its send mark kept, so whoever claims it next knows it is in doubt, and waits
-- until p_delay_ms for a status webhook to confirm it (which completes the row) before deciding.
-- p_refund_attempt: this claim only found the row still waiting (no request made), so it is not an attempt.
drop function if exists ops.await_outbox_confirmation(bigint, text, text, int);
create or replace function ops.await_outbox_confirmation(p_outbox_id bigint, p_worker text, p_error text, p_delay_ms int,
                                              p_refund_attempt boolean)
returns boolean
language sql as $$
    update ops.outbox
    set locked_by = null, locked_until = null, last_error = coalesce(p_error, last_error),
        attempt_count = case when p_refund_attempt then greatest(attempt_count - 1, 0) else attempt_count end,
        next_attempt_at = now() + make_interval(secs => p_delay_ms / 1000.0)
    where id = p_outbox_id and locked_by = p_worker and completed_at is null and send_started_at is not null
    returning true
$$;

-- How many Workers beat for a loop recently: each paces an account at its throughput divided by this number.
create or replace function ops.live_workers(p_loop text, p_within_seconds int)
returns int
language sql stable as $$
    select count(*)::int from ops.worker_heartbeats
    where loop = p_loop and beat_at > now() - make_interval(secs => p_within_seconds)
$$;

-- Hands a claimed row back unsent (pacing turn too far off, lease too short for a request, shutdown): the claim
-- did not become an attempt, so it does not count towards the attempt limit, and the last real error is kept.
create or replace function ops.defer_outbox(p_outbox_id bigint, p_worker text, p_delay_ms int)
returns boolean
language sql as $$
    update ops.outbox
    set locked_by = null, locked_until = null, send_started_at = null,
        attempt_count = greatest(attempt_count - 1, 0),
        next_attempt_at = now() + make_interval(secs => p_delay_ms / 1000.0)
    where id = p_outbox_id and locked_by = p_worker and completed_at is null
    returning true
$$;

-- A permanent failure (or too many attempts): the message fails with Meta's code and title, the row is finished,
-- and a dead letter keeps the reason for operators.
create or replace function ops.fail_outbox(p_outbox_id bigint, p_worker text, p_error_code int, p_error_title text,
                                           p_error_details text, p_reason text)
returns boolean
language plpgsql as $$
declare
    v_row ops.outbox;
begin
    -- The message before the outbox row, as in ops.complete_outbox (ingestion's order).
    perform 1 from chat.messages
    where id = (select o.message_id from ops.outbox o where o.id = p_outbox_id and o.locked_by = p_worker and o.completed_at is null)
    for no key update;
    update ops.outbox set completed_at = now(), locked_until = null, last_error = p_reason
    where id = p_outbox_id and locked_by = p_worker and completed_at is null
    returning * into v_row;
    if v_row.id is null then return false; end if;

    update chat.messages
    set status = 'failed', status_rank = chat.status_rank('failed'), status_at = now(),
        error_code = p_error_code, error_title = p_error_title, error_details = p_error_details
    where id = v_row.message_id;

    insert into ops.dead_letters (project_id, outbox_id, message_id, reason, error_code, attempts)
    values (v_row.project_id, v_row.id, v_row.message_id, p_reason, p_error_code, v_row.attempt_count);

    perform ops.emit_change(project_id, 'message_status', conversation_id, id) from chat.messages where id = v_row.message_id;
    return true;
end
$$;

create or replace function ops.beat(p_worker text, p_loop text, p_details jsonb) returns void
language sql as $$
    insert into ops.worker_heartbeats (worker_id, loop, beat_at, details) values (p_worker, p_loop, now(), p_details)
    on conflict (worker_id, loop) do update set beat_at = now(), details = excluded.details
$$;
