-- Internal chat among a project's agents: rooms and direct messages, never sent to Meta. Pushes go only to the
-- room's members (ops.change_feed.recipient_user_ids); the Worker purges messages older than five days.

create or replace function internal.create_room(p_project_id bigint, p_name text, p_creator bigint, p_member_ids bigint[]) returns bigint
language plpgsql as $$
declare
    v_room bigint;
begin
    insert into internal.rooms (project_id, kind, name, created_by) values (p_project_id, 'room', p_name, p_creator)
    returning id into v_room;
    insert into internal.room_members (room_id, user_id)
    select v_room, pm.user_id from core.project_members pm
    where pm.project_id = p_project_id and (pm.user_id = p_creator or pm.user_id = any (p_member_ids))
    on conflict do nothing;
    return v_room;
end
$$;

-- The one direct room of two people in a project, created on first use.
create or replace function internal.direct_room(p_project_id bigint, p_user_a bigint, p_user_b bigint) returns bigint
language plpgsql as $$
declare
    v_key text := least(p_user_a, p_user_b) || ':' || greatest(p_user_a, p_user_b);
    v_room bigint;
begin
    select id into v_room from internal.rooms where project_id = p_project_id and direct_key = v_key;
    if v_room is not null then return v_room; end if;
    insert into internal.rooms (project_id, kind, direct_key, created_by) values (p_project_id, 'direct', v_key, p_user_a)
    on conflict (project_id, direct_key) where direct_key is not null do nothing
    returning id into v_room;
    if v_room is null then
        select id into v_room from internal.rooms where project_id = p_project_id and direct_key = v_key;
        return v_room;
    end if;
    insert into internal.room_members (room_id, user_id) values (v_room, p_user_a), (v_room, p_user_b) on conflict do nothing;
    return v_room;
end
$$;

-- Rooms the user is in, most recently active first; a direct room is named after the other person.
create or replace function internal.list_rooms(p_project_id bigint, p_user_id bigint)
returns table (id bigint, kind text, name text, members int, last_message_at timestamptz, last_message_preview text)
language sql stable as $$
    select r.id, r.kind,
           coalesce(r.name, (select u.display_name from internal.room_members o join core.users u on u.id = o.user_id
                             where o.room_id = r.id and o.user_id <> p_user_id limit 1)),
           (select count(*)::int from internal.room_members x where x.room_id = r.id),
           last.created_at, left(last.body, 140)
    from internal.rooms r
    join internal.room_members me on me.room_id = r.id and me.user_id = p_user_id
    left join lateral (select im.created_at, im.body from internal.messages im where im.room_id = r.id
                       order by im.id desc limit 1) last on true
    where r.project_id = p_project_id
    order by last.created_at desc nulls last, r.id desc
$$;

create or replace function internal.is_room_member(p_project_id bigint, p_room_id bigint, p_user_id bigint) returns boolean
language sql stable as $$
    select exists (select 1 from internal.rooms r join internal.room_members m on m.room_id = r.id
                   where r.id = p_room_id and r.project_id = p_project_id and m.user_id = p_user_id)
$$;

-- One page of a room, keyset on id, oldest first, as p_user_id reads it; a card carries the linked conversation's
-- customer and channel. A room mixes teams: a card linking a conversation the reader may not see (another queue,
-- chat.in_sight) comes without its card (no id, customer or channel), as if the author had shared none.
drop function if exists internal.room_messages(bigint, bigint, int);
create or replace function internal.room_messages(p_room_id bigint, p_user_id bigint, p_before_id bigint, p_limit int)
returns table (id bigint, author_user_id bigint, author_name text, body text, created_at timestamptz,
               card_conversation_id bigint, card_contact_name text, card_channel text)
language sql stable as $$
    select * from (
        select im.id, im.author_user_id, u.display_name, im.body, im.created_at, cv.id as card_conversation_id,
               coalesce(ct.display_name, ct.external_id), cv.channel
        from internal.messages im
        join core.users u on u.id = im.author_user_id
        left join chat.sight(p_user_id, im.project_id) s on true
        left join chat.conversations cv on cv.id = im.conversation_id and chat.in_sight(cv, p_user_id, s.reads, s.all_queues, s.queue_ids)
        left join chat.contacts ct on ct.id = cv.contact_id
        where im.room_id = p_room_id and (p_before_id is null or im.id < p_before_id)
        order by im.id desc
        limit p_limit) page
    order by id
$$;

create or replace function internal.post_message(p_room_id bigint, p_author bigint, p_body text, p_conversation_id bigint) returns bigint
language plpgsql as $$
declare
    v_room internal.rooms;
    v_id bigint;
begin
    select * into v_room from internal.rooms where id = p_room_id;
    insert into internal.messages (project_id, room_id, author_user_id, body, conversation_id)
    values (v_room.project_id, p_room_id, p_author, p_body, p_conversation_id)
    returning id into v_id;
    perform ops.emit_change(v_room.project_id, 'internal_message', null, null, jsonb_build_object('internalMessageId', v_id),
                            (select array_agg(user_id order by user_id) from internal.room_members where room_id = p_room_id));
    return v_id;
end
$$;

-- Run by the Worker (never a trigger): internal messages older than p_max_age_seconds are deleted, in batches so a
-- large purge never holds long locks. Their change-feed rows carry only ids, and read nothing once purged.
create or replace function internal.purge_messages(p_max_age_seconds int, p_batch int) returns int
language sql as $$
    with doomed as (
        select id from internal.messages
        where created_at < now() - make_interval(secs => p_max_age_seconds)
        order by created_at
        limit p_batch
        for update skip locked
    ), gone as (
        delete from internal.messages im using doomed d where im.id = d.id
        returning 1
    )
    select count(*)::int from gone
$$;
