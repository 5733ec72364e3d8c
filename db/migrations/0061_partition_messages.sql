-- Issue 19, "time partitioning": messages and their status history are partitioned by ranges of their id, like the
-- change feed (0050) and the raw webhook events (0053). They are the two largest tables a conversation keeps for ever:
-- nothing drops their partitions, but each partition's indexes (the thread, a project's recent messages, the search
-- GIN, Meta's ids) stay the size of one span, so an insert, a vacuum and an index rebuild touch one partition, not the
-- whole history. Ids grow with time, and every hot read is a keyset on a conversation's thread or a probe by id.
--
-- Deduplication moves to narrow key tables. PostgreSQL enforces a unique key on a partitioned table only when the key
-- contains the partition key, and Meta's id (account, wamid), the console's idempotency key (conversation, client id)
-- and a status's (account, wamid, status) must each be unique across every partition. Each key lives in its own table,
-- claimed by a BEFORE INSERT row trigger (db/functions/108_chat_message_keys.sql): a row whose key is taken is skipped,
-- exactly what every inserter asked for with ON CONFLICT DO NOTHING, and a concurrent insert of the same key waits for
-- the first as it did on the unique index. The lookups by those keys keep a plain index on the partitions.
--
-- The rows already there become the first partition of each table (ids below the sequence's next value); their keys
-- are copied here. At ten million messages this migration takes minutes (the copies, one index built on the old rows,
-- the foreign keys that point at messages checked again): bench/RESULTS.md, "Messages and status events partitioned".

-- 1. The key tables, filled from the rows already there (built once, then indexed: faster than row by row).
create table chat.message_provider_ids as
select account_id, provider_message_id, id as message_id from chat.messages where provider_message_id is not null;
alter table chat.message_provider_ids alter column account_id set not null, alter column provider_message_id set not null,
    alter column message_id set not null, add primary key (account_id, provider_message_id);

create table chat.message_client_ids as
select conversation_id, client_message_id, id as message_id from chat.messages where client_message_id is not null;
alter table chat.message_client_ids alter column conversation_id set not null, alter column client_message_id set not null,
    alter column message_id set not null, add primary key (conversation_id, client_message_id);

create table chat.message_status_keys as
select account_id, provider_message_id, status from chat.message_status_events where provider_message_id is not null;
alter table chat.message_status_keys alter column account_id set not null, alter column provider_message_id set not null,
    alter column status set not null, add primary key (account_id, provider_message_id, status);

-- 2. The foreign keys that point at messages name the old table; they are dropped here and made again on the new
--    parent at the end (same names, same columns).
create temp table message_fk_defs on commit drop as
select conrelid::regclass::text as tbl, conname, pg_get_constraintdef(oid) as def
from pg_constraint where contype = 'f' and confrelid = 'chat.messages'::regclass;
do $$
declare r record;
begin
    for r in select * from message_fk_defs loop
        execute format('alter table %s drop constraint %I', r.tbl, r.conname);
    end loop;
end
$$;

-- 3. Messages. The old table keeps its rows and its indexes; the ones that match the parent's are attached, not built.
alter table chat.messages rename to messages_legacy;
drop trigger if exists messages_meta_rule_error on chat.messages_legacy; -- made again on the parent (410_chat_window.sql)
alter index chat.messages_pkey rename to messages_legacy_pkey;
alter index chat.messages_thread_idx rename to messages_legacy_thread_idx;
alter index chat.messages_project_recent_idx rename to messages_legacy_project_recent_idx;
alter index chat.messages_search_idx rename to messages_legacy_search_idx;
alter index chat.messages_ai_search_idx rename to messages_legacy_ai_search_idx;
alter table chat.messages_legacy alter column id drop identity;

-- PostgreSQL 15 has no identity columns on partitioned tables (17 has): the id takes its values from a sequence.
create sequence chat.messages_id_seq as bigint;
select setval('chat.messages_id_seq', coalesce((select max(id) from chat.messages_legacy), 0) + 1, false);

create table chat.messages (
    id                    bigint not null default nextval('chat.messages_id_seq'),
    project_id            bigint not null,
    conversation_id       bigint not null,
    account_id            bigint not null,
    direction             text not null,
    is_echo               boolean not null default false,
    provider_message_id   text,
    type                  text not null,
    body                  text,
    reply_to_provider_id  text,
    payload               jsonb,
    status                text not null,
    status_rank           smallint not null,
    status_at             timestamptz,
    error_code            integer,
    error_title           text,
    error_details         text,
    occurred_at           timestamptz not null,
    created_at            timestamptz not null default now(),
    deleted_at            timestamptz,
    event_id              bigint,
    client_message_id     text,
    sent_by_user_id       bigint,
    search_vector         tsvector generated always as (to_tsvector('chat.mm_search'::regconfig, coalesce(body, ''))) stored,
    ai_text               text,
    ai_text_kind          text,
    sent_by_ai_agent_id   bigint,
    sent_by_flow_id       bigint,
    import_run_id         bigint,
    constraint messages_pkey primary key (id),
    constraint messages_direction_check check (direction in ('in', 'out')),
    constraint messages_ai_text_kind_check check (ai_text_kind in ('transcript', 'description', 'document')),
    constraint messages_project_id_fkey foreign key (project_id) references core.projects,
    constraint messages_conversation_id_fkey foreign key (conversation_id) references chat.conversations,
    constraint messages_account_id_fkey foreign key (account_id) references meta.accounts,
    constraint messages_sent_by_user_id_fkey foreign key (sent_by_user_id) references core.users,
    constraint messages_sent_by_ai_agent_id_fkey foreign key (sent_by_ai_agent_id) references bot.ai_agents,
    constraint messages_sent_by_flow_id_fkey foreign key (sent_by_flow_id) references bot.flows
) partition by range (id);
alter sequence chat.messages_id_seq owned by chat.messages.id;

create index messages_thread_idx on chat.messages (conversation_id, occurred_at, id);
create index messages_project_recent_idx on chat.messages (project_id, occurred_at desc);
create index messages_search_idx on chat.messages using gin (search_vector);
create index messages_ai_search_idx on chat.messages using gin (to_tsvector('chat.mm_search'::regconfig, ai_text))
    where ai_text is not null;
-- Look-ups by Meta's id and by the console's idempotency key (uniqueness: the key tables above).
create index messages_provider_id_idx on chat.messages (account_id, provider_message_id) where provider_message_id is not null;
create index messages_client_id_idx on chat.messages (conversation_id, client_message_id) where client_message_id is not null;

do $$
declare
    v_next bigint := nextval('chat.messages_id_seq');
begin
    perform setval('chat.messages_id_seq', v_next, false);
    execute format('alter table chat.messages attach partition chat.messages_legacy for values from (minvalue) to (%s)', v_next);
    -- The first partition ahead; the retention loop keeps a whole empty one ahead from here on (nothing is dropped).
    execute format('create table chat.messages_p%s partition of chat.messages for values from (%s) to (%s)',
                   v_next, v_next, v_next + 10000000);
end
$$;
-- Rows past the last partition if nothing made one in time: an insert never fails for want of a partition.
create table chat.messages_default partition of chat.messages default;
-- The old unique keys: the key tables enforce them now (their non-unique twins were built by the attach).
drop index chat.messages_provider_id_key;
drop index chat.messages_client_id_key;

-- 4. Status events, the same way.
alter table chat.message_status_events rename to message_status_events_legacy;
alter index chat.message_status_events_pkey rename to message_status_events_legacy_pkey;
alter table chat.message_status_events_legacy alter column id drop identity;

create sequence chat.message_status_events_id_seq as bigint;
select setval('chat.message_status_events_id_seq',
              coalesce((select max(id) from chat.message_status_events_legacy), 0) + 1, false);

create table chat.message_status_events (
    id                    bigint not null default nextval('chat.message_status_events_id_seq'),
    project_id            bigint not null,
    account_id            bigint not null,
    event_id              bigint not null,
    provider_message_id   text,
    status                text not null,
    customer_external_id  text,
    watermark             timestamptz,
    occurred_at           timestamptz not null,
    error_code            integer,
    error_title           text,
    error_details         text,
    pricing               jsonb,
    conversation          jsonb,
    payload               jsonb not null,
    constraint message_status_events_pkey primary key (id),
    constraint message_status_events_project_id_fkey foreign key (project_id) references core.projects,
    constraint message_status_events_account_id_fkey foreign key (account_id) references meta.accounts
) partition by range (id);
alter sequence chat.message_status_events_id_seq owned by chat.message_status_events.id;
-- A message's statuses, found when the message comes after them (uniqueness: chat.message_status_keys).
create index message_status_events_message_idx on chat.message_status_events (account_id, provider_message_id, status)
    where provider_message_id is not null;

do $$
declare
    v_next bigint := nextval('chat.message_status_events_id_seq');
begin
    perform setval('chat.message_status_events_id_seq', v_next, false);
    execute format('alter table chat.message_status_events attach partition chat.message_status_events_legacy for values from (minvalue) to (%s)', v_next);
    execute format('create table chat.message_status_events_p%s partition of chat.message_status_events for values from (%s) to (%s)',
                   v_next, v_next, v_next + 10000000);
end
$$;
create table chat.message_status_events_default partition of chat.message_status_events default;
drop index chat.message_status_events_key;

-- Status events have no created_at: how old a partition is reads their occurred_at (nothing drops them today).
insert into ops.id_partitioned_tables (parent, span, time_column) values
    ('chat.messages', 10000000, 'created_at'),
    ('chat.message_status_events', 10000000, 'occurred_at');

-- 5. The foreign keys to messages, made again on the parent.
do $$
declare r record;
begin
    for r in select * from message_fk_defs loop
        execute format('alter table %s add constraint %I %s', r.tbl, r.conname,
                       replace(r.def, 'chat.messages_legacy', 'chat.messages'));
    end loop;
end
$$;
