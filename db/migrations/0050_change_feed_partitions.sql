-- Issue 19, "time partitioning": the change feed is partitioned by ranges of its id, so retention drops whole
-- partitions instead of deleting rows (at 1,000 changes a second that is 86 million deletes a day, and the vacuum
-- behind them). Ranges of the id and not of created_at: ids grow with time, every read of the feed is a keyset on the
-- id (the reader's "after id", a project's version as its highest id), and a range on the id keeps each of those to
-- the newest partitions. The primary key stays (id), so nothing that reads it changes.
--
-- PostgreSQL 15 has no identity columns on partitioned tables (17 has): the id takes its values from a sequence.
-- Partitions are made ahead of the sequence by ops.ensure_id_partitions (db/functions/222_ops_partitions.sql), from
-- the retention loop and below; a default partition catches rows past the last one if nothing made it in time, so an
-- insert never fails for want of a partition.

-- The tables partitioned this way, and how many ids one partition holds.
create table ops.id_partitioned_tables (
    parent  text primary key,
    span    bigint not null check (span >= 1)
);

alter table ops.change_feed rename to change_feed_legacy;
alter index ops.change_feed_pkey rename to change_feed_legacy_pkey;
alter index ops.change_feed_project_idx rename to change_feed_legacy_project_idx;
alter table ops.change_feed_legacy alter column id drop identity;

create sequence ops.change_feed_id_seq as bigint;
select setval('ops.change_feed_id_seq', coalesce((select max(id) from ops.change_feed_legacy), 0) + 1, false);

create table ops.change_feed (
    id                  bigint not null default nextval('ops.change_feed_id_seq'),
    project_id          bigint not null references core.projects,
    kind                text not null,
    conversation_id     bigint,
    message_id          bigint,
    payload             jsonb,
    created_at          timestamptz not null default now(),
    recipient_user_ids  bigint[],
    constraint change_feed_pkey primary key (id)
) partition by range (id);
alter sequence ops.change_feed_id_seq owned by ops.change_feed.id;
create index change_feed_project_idx on ops.change_feed (project_id, id);

-- The rows already there are one partition, dropped whole once its newest row is past the retention.
do $$
declare
    v_next bigint := nextval('ops.change_feed_id_seq');
begin
    perform setval('ops.change_feed_id_seq', v_next, false);
    execute format('alter table ops.change_feed attach partition ops.change_feed_legacy for values from (minvalue) to (%s)', v_next);
    -- The first partition ahead (10 million ids: about three hours at 1,000 changes a second); the retention loop
    -- keeps at least one empty one ahead from here on.
    execute format('create table ops.change_feed_p%s partition of ops.change_feed for values from (%s) to (%s)',
                   v_next, v_next, v_next + 10000000);
end
$$;
create table ops.change_feed_default partition of ops.change_feed default;
insert into ops.id_partitioned_tables (parent, span) values ('ops.change_feed', 10000000);
