-- Upgrade safety for databases made by an intermediate main. 0011_collaboration was edited after it reached main
-- (631f2aa put the internal chat in chat.internal_*; 4e86ec4 moved it to the internal schema in the same file), so a
-- database made at 631f2aa has the tables under their first names and every internal-chat function failed on it.
-- Move them where 0011 now puts them, named as a fresh database names them (indexes, constraints, identity sequences
-- lose the "internal_" prefix). A database without the old tables is left alone.
do $$
declare
    v_rel record;
begin
    if to_regclass('chat.internal_rooms') is null or to_regclass('internal.rooms') is not null then
        return;
    end if;
    alter table chat.internal_rooms set schema internal;
    alter table chat.internal_room_members set schema internal;
    alter table chat.internal_messages set schema internal;
    alter table internal.internal_rooms rename to rooms;
    alter table internal.internal_room_members rename to room_members;
    alter table internal.internal_messages rename to messages;
    -- Constraints first (renaming a primary key or unique constraint renames its index too), then the other indexes
    -- and the identity sequences.
    for v_rel in
        select c.conname, t.relname from pg_constraint c join pg_class t on t.oid = c.conrelid
        where t.relnamespace = 'internal'::regnamespace and c.conname like 'internal\_%'
    loop
        execute format('alter table internal.%I rename constraint %I to %I', v_rel.relname, v_rel.conname, substr(v_rel.conname, 10));
    end loop;
    for v_rel in
        select relname, relkind from pg_class
        where relnamespace = 'internal'::regnamespace and relkind in ('i', 'S') and relname like 'internal\_%'
    loop
        execute format('alter %s internal.%I rename to %I', case v_rel.relkind when 'i' then 'index' else 'sequence' end,
                       v_rel.relname, substr(v_rel.relname, 10));
    end loop;
end
$$;

-- The internal-chat functions of 631f2aa lived in the chat schema; their internal.* successors (380_internal_chat)
-- replaced them, and on such a database the old ones are left pointing at tables that no longer exist. Dropped by
-- their exact signatures.
drop function if exists chat.create_room(bigint, text, bigint, bigint[]);
drop function if exists chat.direct_room(bigint, bigint, bigint);
drop function if exists chat.is_room_member(bigint, bigint, bigint);
drop function if exists chat.list_rooms(bigint, bigint);
drop function if exists chat.post_internal(bigint, bigint, text, bigint);
drop function if exists chat.purge_internal_messages(int, int);
drop function if exists chat.room_messages(bigint, bigint, int);

-- The very first schema (d02d2a8) tied normalized rows to their raw webhook event by foreign key; 051d5ec removed
-- those keys by editing 0004 (raw events are purged after their retention, the normalized rows stay). A database
-- that old still has them, and the Worker's retention purge of meta.webhook_events would fail on it.
alter table chat.messages drop constraint if exists messages_event_id_fkey;
alter table chat.message_status_events drop constraint if exists message_status_events_event_id_fkey;
alter table meta.account_events drop constraint if exists account_events_event_id_fkey;
alter table meta.number_quality_events drop constraint if exists number_quality_events_event_id_fkey;
alter table meta.template_events drop constraint if exists template_events_event_id_fkey;
