-- Retention: what the platform keeps only for a while, deleted by the Worker's retention loop (never by a trigger),
-- oldest first and in batches, so a backlog is cleared without one long transaction or long-held locks. Each
-- function walks the table's primary key (ids grow with time), so no extra index is kept on a hot insert path for it;
-- the few rows kept past the cut-off (still pending, needing attention) are stepped over.

-- Raw webhook bodies. Deduplication on redelivery is on the event hash, and Meta redelivers for at most 7 days, so a
-- cut-off of weeks loses no deduplication (normalized rows deduplicate on the provider message id regardless).
-- Normalized rows point at raw events without a foreign key on purpose: they outlive the bodies. An event that needs
-- attention (not fully normalized, or for an account no project owned) is kept for the longer p_attention_before, and
-- so is one still waiting for normalization.
-- The table is partitioned by id (migration 0053): whole partitions go first, the events they still keep moving into
-- the default partition; then, row by row, what is past the cut-off in the partition being filled (a quiet
-- installation fills one slowly) and in the default one; then the hashes of everything past the cut-off. Partitions
-- the sequence has moved past wait to be dropped whole. Returns the larger of the rows and hashes deleted, so the
-- retention loop calls again while either was a full batch.
create or replace function meta.purge_webhook_events(p_before timestamptz, p_attention_before timestamptz, p_batch int)
returns int
language plpgsql as $$
declare
    v_open bigint;
    v_oldest bigint;
    v_events int;
    v_hashes int;
begin
    perform ops.drop_id_partitions('meta.webhook_events', p_before, format(
        '(received_at >= %L and (parse_status <> ''normalized'' or is_unowned)) or id in (select event_id from meta.ingest_pending)',
        p_attention_before));
    select max(lower_id) filter (where lower_id <= (select last_value from meta.webhook_events_id_seq)),
           min(coalesce(lower_id, -9223372036854775808))
    into v_open, v_oldest
    from ops.id_partitions('meta.webhook_events') where not is_default;
    with doomed as (
        select id from meta.webhook_events
        where (id >= coalesce(v_open, 0) or id < v_oldest)
          and received_at < p_before
          and (received_at < p_attention_before or (parse_status = 'normalized' and not is_unowned))
          and not exists (select 1 from meta.ingest_pending p where p.event_id = webhook_events.id)
        order by id
        limit p_batch
        for update skip locked
    ), gone as (
        delete from meta.webhook_events w using doomed d where w.id = d.id returning 1
    )
    select count(*)::int into v_events from gone;
    -- Hashes in id order, a batch at a time, stopping at the first batch that is not all past the cut-off.
    with first as (
        select event_hash, received_at from meta.webhook_event_hashes order by event_id limit p_batch for update skip locked
    ), gone as (
        delete from meta.webhook_event_hashes h using first f where h.event_hash = f.event_hash and f.received_at < p_before returning 1
    )
    select count(*)::int into v_hashes from gone;
    return greatest(v_events, v_hashes);
end
$$;

-- Sent outbox rows. A row a dead letter points at stays as long as its dead letter (the operator's evidence).
create or replace function ops.purge_outbox(p_before timestamptz, p_batch int) returns int
language sql as $$
    with doomed as (
        select o.id from ops.outbox o
        where o.completed_at < p_before
          and not exists (select 1 from ops.dead_letters dl where dl.outbox_id = o.id)
        order by o.id
        limit p_batch
        for update skip locked
    ), gone as (
        delete from ops.outbox o using doomed d where o.id = d.id returning 1
    )
    select count(*)::int from gone
$$;

-- The change feed and cache invalidations are read by live Core API instances right after they are written; a
-- console that reconnects after longer than the retention reloads its views instead of replaying.
create or replace function ops.purge_change_feed(p_before timestamptz, p_batch int) returns int
language plpgsql as $$
declare
    v_open bigint;
    v_deleted int;
begin
    -- Whole partitions first (migration 0050): no row-by-row delete, no vacuum behind it.
    perform ops.drop_id_partitions('ops.change_feed', p_before);
    -- What is past the cut-off in the partition being filled (a quiet installation fills one slowly): its oldest rows,
    -- a batch at a time in id order, stopping at the first batch that is not all old. Partitions the sequence has moved
    -- past wait to be dropped whole.
    select max(lower_id) into v_open from ops.id_partitions('ops.change_feed')
    where not is_default and lower_id <= (select last_value from ops.change_feed_id_seq);
    with first as (
        select id, created_at from ops.change_feed where id >= coalesce(v_open, 0) order by id limit p_batch for update skip locked
    ), gone as (
        delete from ops.change_feed c using first f where c.id = f.id and f.created_at < p_before returning 1
    )
    select count(*)::int into v_deleted from gone;
    return v_deleted;
end
$$;

create or replace function ops.purge_cache_invalidations(p_before timestamptz, p_batch int) returns int
language sql as $$
    with doomed as (
        select id from ops.cache_invalidations where created_at < p_before order by id limit p_batch for update skip locked
    ), gone as (
        delete from ops.cache_invalidations c using doomed d where c.id = d.id returning 1
    )
    select count(*)::int from gone
$$;

-- Sign-in sessions that ended (signed out, reused, deactivated) or whose every refresh token expired, before the
-- cut-off, with their refresh tokens. A live session (a refresh token still valid) is never touched. Refresh tokens
-- are deleted in the same statement as their sessions: the foreign key is checked at the statement's end.
create or replace function core.purge_sessions(p_before timestamptz, p_batch int) returns int
language sql as $$
    with doomed as (
        select s.id from core.sessions s
        where s.created_at < p_before
          and (s.revoked_at < p_before
               or not exists (select 1 from core.refresh_tokens t where t.session_id = s.id and t.expires_at >= p_before))
        order by s.id
        limit p_batch
        for update skip locked
    ), tokens as (
        delete from core.refresh_tokens t using doomed d where t.session_id = d.id returning 1
    ), gone as (
        delete from core.sessions s using doomed d where s.id = d.id returning 1
    )
    select count(*)::int from gone
$$;

-- Heartbeats of Workers that stopped long ago (each process has its own worker id).
create or replace function ops.purge_heartbeats(p_before timestamptz) returns int
language sql as $$
    with gone as (delete from ops.worker_heartbeats where beat_at < p_before returning 1)
    select count(*)::int from gone
$$;
