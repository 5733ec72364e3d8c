-- The one way a database function tells the consoles that something changed: a durable ops.change_feed row (the Core
-- API reads rows after the last id it pushed, so a lost notification loses nothing) and a wake-up on 'change_feed'.
-- PostgreSQL folds identical notifications of one transaction into one, so calling this per row costs one NOTIFY.
--
-- A bulk writer's transaction sends no wake-up (ops.quiet_changes): every transaction that NOTIFYs takes one
-- database-wide lock from its commit's start to its end, WAL flush included (PostgreSQL queues notifications in commit
-- order), so a campaign's 72 sends and 72 answers a second made every committing backend wait for that lock in turn
-- (bench/RESULTS.md, "Campaign rate on a busy machine"). Its rows are read by the readers' next poll (the Core API's
-- every second) or by the next wake-up anyone else sends; ingestion's batches send one several times a second.
create or replace function ops.quiet_changes() returns void
language sql as $$ select set_config('mm.quiet_changes', 'on', true) $$;

create or replace function ops.wake_change_readers() returns void
language plpgsql as $$
begin
    if current_setting('mm.quiet_changes', true) is distinct from 'on' then perform pg_notify('change_feed', ''); end if;
end
$$;
create or replace function ops.emit_change(
    p_project_id bigint,
    p_kind text,
    p_conversation_id bigint default null,
    p_message_id bigint default null,
    p_payload jsonb default null,
    p_recipient_user_ids bigint[] default null)
returns bigint
language plpgsql as $$
declare
    v_id bigint;
begin
    insert into ops.change_feed (project_id, kind, conversation_id, message_id, payload, recipient_user_ids)
    values (p_project_id, p_kind, p_conversation_id, p_message_id, p_payload, p_recipient_user_ids)
    returning id into v_id;
    perform ops.wake_change_readers();
    return v_id;
end
$$;

-- The same for a batch, for the set-based writers (ingestion must sustain 10,000 events/s, so no per-row plpgsql
-- call there): one insert … select from unnest and one NOTIFY, and none when the batch is empty. The arrays run in
-- parallel (unnest pads a shorter one with nulls, so p_payloads may be left out); rows get their ids in array order,
-- which callers build with array_agg(… order by …) to keep the feed's order. Returns the rows inserted. Measured on
-- 2,000 rows: 18–23 ms, the same as the insert … select it replaced (the row inserts and their key checks dominate).
-- Recipients are not taken here: a per-row recipient list would need an array of arrays, and every targeted push so
-- far is a single row (ops.emit_change).
create or replace function ops.emit_changes(
    p_project_ids bigint[],
    p_kind text,
    p_conversation_ids bigint[],
    p_message_ids bigint[] default null,
    p_payloads jsonb[] default null)
returns int
language plpgsql as $$
declare
    v_count int;
begin
    if coalesce(cardinality(p_project_ids), 0) = 0 then return 0; end if;
    insert into ops.change_feed (project_id, kind, conversation_id, message_id, payload)
    select r.project_id, p_kind, r.conversation_id, r.message_id, r.payload
    from unnest(p_project_ids, p_conversation_ids, coalesce(p_message_ids, '{}'), coalesce(p_payloads, '{}'))
         with ordinality as r (project_id, conversation_id, message_id, payload, n)
    order by r.n;
    get diagnostics v_count = row_count;
    perform ops.wake_change_readers();
    return v_count;
end
$$;
