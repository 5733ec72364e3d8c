-- Issue 19, "time partitioning": the raw webhook events are partitioned by ranges of their id like the change feed
-- (migration 0050), so retention drops whole partitions instead of deleting rows. They are the widest rows of the
-- platform (every body Meta posted, byte for byte: at 1,000 events a second, tens of GB a month), and deleting them row
-- by row left that much for the vacuum to reclaim, heap, TOAST and indexes.
--
-- Deduplication moves to a narrow table. PostgreSQL enforces a unique key on a partitioned table only when the key
-- contains the partition key, and a redelivered body must find its first copy whatever partition that went to. So the
-- unique event hash lives in meta.webhook_event_hashes (the hash, the event's id, when it came: about 100 bytes a row
-- against a body's kilobytes), which the raw stage inserts into first; its rows are deleted by the retention loop with
-- the raw events' cut-off, oldest first, in batches. Meta redelivers for at most 7 days, so a cut-off of weeks loses no
-- deduplication.
--
-- The rows already there become the first partition (ids below the sequence's next value), dropped whole once its
-- newest row is past the retention; their hashes are copied into the new table here (a minute for ten million events).

create table meta.webhook_event_hashes (
    event_hash   bytea primary key,
    event_id     bigint not null,
    received_at  timestamptz not null
);
-- Retention walks the hashes in id order (ids grow with time): an append-only index, cheap on the insert path.
create index webhook_event_hashes_event_idx on meta.webhook_event_hashes (event_id);

insert into meta.webhook_event_hashes (event_hash, event_id, received_at)
select event_hash, id, received_at from meta.webhook_events;

alter table meta.webhook_events rename to webhook_events_legacy;
alter table meta.webhook_events_legacy drop constraint webhook_events_event_hash_key;
alter index meta.webhook_events_pkey rename to webhook_events_legacy_pkey;
alter index meta.webhook_events_received_brin rename to webhook_events_legacy_received_brin;
alter index meta.webhook_events_attention_idx rename to webhook_events_legacy_attention_idx;
alter table meta.webhook_events_legacy alter column id drop identity;

-- PostgreSQL 15 has no identity columns on partitioned tables: the id takes its values from a sequence.
create sequence meta.webhook_events_id_seq as bigint;
select setval('meta.webhook_events_id_seq', coalesce((select max(id) from meta.webhook_events_legacy), 0) + 1, false);

create table meta.webhook_events (
    id                   bigint not null default nextval('meta.webhook_events_id_seq'),
    event_hash           bytea not null,
    app_id               bigint references meta.apps,
    received_at          timestamptz not null,
    stored_at            timestamptz not null default now(),
    body                 bytea not null,
    object_kind          text,
    -- normalized | partial (some parts not understood) | parse_error (nothing usable) | ingest_error
    parse_status         text not null,
    parse_error          text,
    -- An event for an account no project owns is kept and flagged, never dropped.
    is_unowned           boolean not null default false,
    unowned_account_ids  text[],
    constraint webhook_events_pkey primary key (id)
) partition by range (id);
alter sequence meta.webhook_events_id_seq owned by meta.webhook_events.id;

-- Which time column says how old a partition's newest row is (the change feed's created_at; here received_at, the
-- column the retention's cut-off is on).
alter table ops.id_partitioned_tables add column time_column text not null default 'created_at';

do $$
declare
    v_next bigint := nextval('meta.webhook_events_id_seq');
begin
    perform setval('meta.webhook_events_id_seq', v_next, false);
    execute format('alter table meta.webhook_events attach partition meta.webhook_events_legacy for values from (minvalue) to (%s)', v_next);
    -- The first partition ahead; the retention loop keeps a whole empty one ahead from here on.
    execute format('create table meta.webhook_events_p%s partition of meta.webhook_events for values from (%s) to (%s)',
                   v_next, v_next, v_next + 10000000);
end
$$;
-- Rows past the last partition if nothing made one in time (an insert never fails for want of a partition), and the
-- events that need attention (kept 90 days) out of a partition dropped after 30: see meta.purge_webhook_events.
create table meta.webhook_events_default partition of meta.webhook_events default;

-- Recreated on the parent: the legacy partition's identical indexes are attached, not built again.
create index webhook_events_received_brin on meta.webhook_events using brin (received_at);
create index webhook_events_attention_idx on meta.webhook_events (id)
    where parse_status <> 'normalized' or is_unowned;

insert into ops.id_partitioned_tables (parent, span, time_column) values ('meta.webhook_events', 10000000, 'received_at');
