-- Many agents on one inbox: routing, assignment, locks, tags, notes, presence. Every write that consoles must see
-- records an ops.change_feed row (and NOTIFY change_feed) in the same transaction. Permission checks are the Core
-- API's; these functions enforce what must hold whoever calls them (one lock owner, caps, membership).

-- ── Routing ────────────────────────────────────────────────────────────────────────────────────────────────────

-- New conversations go to the queue of the first matching rule (by position), else the account's default queue.
-- Keywords are matched against the customer's messages so far, case-insensitively.
create or replace function chat.route_conversations(p_conversation_ids bigint[]) returns int
language plpgsql as $$
declare
    routed int;
begin
    with target as (
        select cv.id, cv.project_id,
               coalesce((select r.queue_id from core.routing_rules r
                         where r.project_id = cv.project_id
                           and (r.channel is null or r.channel = cv.channel)
                           and (r.attribute_key is null or ct.attributes ->> r.attribute_key = r.attribute_value)
                           and (r.keyword is null or exists (
                                   select 1 from chat.messages m
                                   where m.conversation_id = cv.id and m.direction = 'in'
                                     and strpos(lower(m.body), lower(r.keyword)) > 0))
                         order by r.position, r.id
                         limit 1),
                        a.default_queue_id) as queue_id
        from chat.conversations cv
        join chat.contacts ct on ct.id = cv.contact_id
        join meta.accounts a on a.id = cv.account_id
        where cv.id = any (p_conversation_ids) and cv.queue_id is null
    ), routed_rows as (
        update chat.conversations cv set queue_id = t.queue_id
        from target t
        where cv.id = t.id and t.queue_id is not null
        returning cv.id, cv.project_id, cv.queue_id
    ), events as (
        insert into chat.conversation_events (project_id, conversation_id, action, queue_id)
        select project_id, id, 'routed', queue_id from routed_rows
    )
    select ops.emit_changes(array_agg(project_id order by id), 'conversation_updated', array_agg(id order by id))
    into routed from routed_rows;
    if routed > 0 then perform pg_notify('assignment', ''); end if;
    return routed;
end
$$;

-- ── Assignment ─────────────────────────────────────────────────────────────────────────────────────────────────

-- Sets (or clears) the assignee and records it. p_actor_user_id null: the platform (auto-assignment).
create or replace function chat.assign(p_conversation_id bigint, p_user_id bigint, p_actor_user_id bigint) returns boolean
language plpgsql as $$
declare
    v_row chat.conversations;
begin
    update chat.conversations
    set assigned_user_id = p_user_id, assigned_at = case when p_user_id is null then null else now() end
    where id = p_conversation_id and assigned_user_id is distinct from p_user_id
    returning * into v_row;
    if v_row.id is null then return false; end if;

    insert into chat.conversation_events (project_id, conversation_id, actor_user_id, action, queue_id, user_id)
    values (v_row.project_id, v_row.id, p_actor_user_id, case when p_user_id is null then 'unassigned' else 'assigned' end,
            v_row.queue_id, p_user_id);
    perform ops.emit_change(v_row.project_id, 'conversation_updated', v_row.id);
    if p_user_id is null then perform pg_notify('assignment', ''); end if;
    -- A person assigning it (to themselves or a colleague) makes it people's work; auto-assignment (no actor) does not.
    if p_user_id is not null and p_actor_user_id is not null then
        perform bot.person_took_over(p_conversation_id, p_actor_user_id, 'person_assigned');
    end if;
    return true;
end
$$;

-- Moves the conversation to another queue, to a given agent or unassigned (auto-assignment then picks it up).
-- The lock, if any, is released: the conversation is someone else's work now.
create or replace function chat.transfer(p_conversation_id bigint, p_queue_id bigint, p_user_id bigint, p_actor_user_id bigint)
returns boolean
language plpgsql as $$
declare
    v_row chat.conversations;
begin
    update chat.conversations
    set queue_id = p_queue_id, assigned_user_id = p_user_id, assigned_at = case when p_user_id is null then null else now() end
    where id = p_conversation_id
    returning * into v_row;
    if v_row.id is null then return false; end if;

    perform chat.drop_lock(p_conversation_id, p_actor_user_id, 'released');
    insert into chat.conversation_events (project_id, conversation_id, actor_user_id, action, queue_id, user_id)
    values (v_row.project_id, v_row.id, p_actor_user_id, 'transferred', p_queue_id, p_user_id);
    perform ops.emit_change(v_row.project_id, 'conversation_updated', v_row.id);
    perform pg_notify('assignment', '');
    return true;
end
$$;

-- Resolve / reopen; a customer writing again reopens it (chat.ingest_staged_messages).
-- Changing the status is working the conversation, as a send is: while someone else holds the lock, only they or
-- someone with locks.revoke may (else SQLSTATE MM001, which the Core API answers 409 lock_held, as for a send). A
-- desk's lock says "I am answering this customer": resolving under the holder would close the conversation she is
-- writing in and drop her lock, so that resolve-then-reopen took any lock without the permission to revoke it.
-- Resolving releases the caller's own lock and revokes another's for whoever may (recorded as such); reopening leaves
-- the lock to its holder. Platform calls (no actor: bots, automations) are not agents, as in chat.check_send_lock.
create or replace function chat.set_status(p_conversation_id bigint, p_status text, p_actor_user_id bigint) returns boolean
language plpgsql as $$
declare
    v_row chat.conversations;
    v_lock chat.conversation_locks;
begin
    -- Held until commit: the holder's renewal or a racing taker waits, so the lock decided on is the one dropped.
    select * into v_lock from chat.conversation_locks where conversation_id = p_conversation_id for update;
    if v_lock.expires_at > now() and v_lock.user_id <> p_actor_user_id
       and not core.user_can(p_actor_user_id, v_lock.project_id, 'locks.revoke') then
        raise exception 'lock_held' using errcode = 'MM001', detail = v_lock.user_id::text;
    end if;

    update chat.conversations
    set status = p_status, resolved_at = case when p_status = 'resolved' then now() end
    where id = p_conversation_id and status <> p_status
    returning * into v_row;
    if v_row.id is null then return false; end if;

    if p_status = 'resolved' and v_lock.conversation_id is not null then
        perform chat.drop_lock(p_conversation_id, p_actor_user_id,
                               case when v_lock.expires_at <= now() then 'expired'
                                    when p_actor_user_id is null or v_lock.user_id = p_actor_user_id then 'released'
                                    else 'revoked' end);
    end if;
    insert into chat.conversation_events (project_id, conversation_id, actor_user_id, action, queue_id, user_id)
    values (v_row.project_id, v_row.id, p_actor_user_id, case when p_status = 'resolved' then 'resolved' else 'reopened' end,
            v_row.queue_id, v_row.assigned_user_id);
    if p_status = 'resolved' then
        perform bot.end_episode(p_conversation_id);
        perform classify.on_resolved(p_conversation_id);
    end if;
    perform ops.emit_change(v_row.project_id, 'conversation_updated', v_row.id);
    return true;
end
$$;

-- Auto-assignment, run by the Worker: open, unassigned conversations of auto-assign queues, oldest waiting first,
-- each to the queue member whose turn it is (round-robin: longest since their last assignment from this queue)
-- among those online, allowed to take conversations, and under the queue's cap of open conversations. One queue
-- is worked by one caller at a time (advisory lock), so two Workers never push an agent over the cap.
-- A conversation a bot is working (a chatbot session, an AI agent active or waiting) is not assigned: it becomes
-- people's work when the bot hands it off (docs/chatbots.md), and the handoff wakes assignment.
create or replace function chat.auto_assign(p_limit int) returns int
language plpgsql as $$
declare
    v_queue record;
    v_conversation record;
    v_user bigint;
    v_assigned int := 0;
begin
    for v_queue in
        select q.id, q.project_id, q.max_open_per_agent from core.queues q
        where q.auto_assign
          and exists (select 1 from chat.conversations cv
                      where cv.queue_id = q.id and cv.status = 'open' and cv.assigned_user_id is null)
    loop
        continue when not pg_try_advisory_xact_lock(73011, v_queue.id::int);
        for v_conversation in
            select cv.id from chat.conversations cv
            where cv.queue_id = v_queue.id and cv.status = 'open' and cv.assigned_user_id is null
              and not exists (select 1 from bot.flow_sessions s where s.conversation_id = cv.id and s.status = 'active')
              and not exists (select 1 from bot.ai_conversations a where a.conversation_id = cv.id and a.state in ('active', 'waiting'))
            order by coalesce(cv.last_inbound_at, cv.created_at), cv.id
            limit p_limit - v_assigned
            -- NO KEY: chat.assign changes only the assignee. FOR UPDATE would also conflict with the FOR KEY SHARE an
            -- ingestion batch takes on a conversation it adds messages to, and hold it off for the whole pass.
            for no key update skip locked
        loop
            v_user := null;
            select qm.user_id into v_user
            from core.queue_members qm
            join core.presence pr on pr.user_id = qm.user_id
            join core.users u on u.id = qm.user_id and u.is_active
            join core.project_members pm on pm.project_id = v_queue.project_id and pm.user_id = qm.user_id
            where qm.queue_id = v_queue.id
              and pr.status = 'online' and pr.last_seen_at > now() - interval '2 minutes'
              and exists (select 1 from core.role_permissions rp where rp.role = pm.role and rp.permission = 'conversations.take')
              and (select count(*) from chat.conversations c
                   where c.assigned_user_id = qm.user_id and c.project_id = v_queue.project_id and c.status = 'open')
                  < v_queue.max_open_per_agent
            order by qm.last_assigned_at nulls first, qm.user_id
            limit 1;
            exit when v_user is null;  -- nobody available in this queue: the rest wait too
            perform chat.assign(v_conversation.id, v_user, null);
            update core.queue_members set last_assigned_at = now() where queue_id = v_queue.id and user_id = v_user;
            v_assigned := v_assigned + 1;
        end loop;
        exit when v_assigned >= p_limit;
    end loop;
    return v_assigned;
end
$$;

-- ── Presence ───────────────────────────────────────────────────────────────────────────────────────────────────

create or replace function core.set_presence(p_user_id bigint, p_status text) returns void
language plpgsql as $$
declare
    v_before text := (select status from core.presence where user_id = p_user_id);
begin
    insert into core.presence (user_id, status) values (p_user_id, p_status)
    on conflict (user_id) do update
        set status = excluded.status, last_seen_at = now(),
            changed_at = case when core.presence.status = excluded.status then core.presence.changed_at else now() end;
    -- The dashboards' presence history (agents' time online and away): a change closes the open interval and opens the
    -- next; offline is the absence of an interval.
    if not exists (select 1 from core.presence_intervals where user_id = p_user_id and ended_at is null and status = p_status) then
        update core.presence_intervals set ended_at = now() where user_id = p_user_id and ended_at is null;
        if p_status <> 'offline' then
            insert into core.presence_intervals (user_id, status, started_at) values (p_user_id, p_status, now());
        end if;
    end if;
    if p_status = 'online' then perform pg_notify('assignment', ''); end if;
    -- The calls switchboard shows each person's presence live: a change (not a repeat) tells every project they are in.
    if v_before is distinct from p_status then
        perform ops.emit_change(m.project_id, 'presence_changed', null, null, jsonb_build_object('userId', p_user_id, 'status', p_status))
        from core.project_members m where m.user_id = p_user_id;
    end if;
end
$$;

-- The console calls this while it is open; an agent whose console went away stops counting as online.
create or replace function core.touch_presence(p_user_id bigint) returns void
language sql as $$
    update core.presence set last_seen_at = now() where user_id = p_user_id
$$;

-- The project's people with their effective presence (online but unseen for 2 minutes reads as offline) and how
-- many open conversations each holds.
create or replace function core.team_presence(p_project_id bigint)
returns table (user_id bigint, display_name text, role text, status text, changed_at timestamptz, last_seen_at timestamptz,
               open_conversations int)
language sql stable as $$
    select u.id, u.display_name, pm.role,
           case when pr.status is null or pr.last_seen_at < now() - interval '2 minutes' then 'offline' else pr.status end,
           pr.changed_at, pr.last_seen_at,
           (select count(*)::int from chat.conversations c
            where c.project_id = p_project_id and c.assigned_user_id = u.id and c.status = 'open')
    from core.project_members pm
    join core.users u on u.id = pm.user_id and u.is_active
    left join core.presence pr on pr.user_id = u.id
    where pm.project_id = p_project_id
    order by u.display_name, u.id
$$;

-- ── Locks ──────────────────────────────────────────────────────────────────────────────────────────────────────

-- Removes the lock (if any) and records why: released by its owner, revoked by someone else, expired.
create or replace function chat.drop_lock(p_conversation_id bigint, p_actor_user_id bigint, p_action text) returns boolean
language plpgsql as $$
declare
    v_lock chat.conversation_locks;
begin
    delete from chat.conversation_locks where conversation_id = p_conversation_id returning * into v_lock;
    if v_lock.conversation_id is null then return false; end if;
    insert into chat.lock_events (project_id, conversation_id, owner_user_id, actor_user_id, action)
    values (v_lock.project_id, p_conversation_id, v_lock.user_id, p_actor_user_id, p_action);
    perform ops.emit_change(v_lock.project_id, 'lock_changed', p_conversation_id, null,
                            jsonb_build_object('action', p_action, 'ownerUserId', v_lock.user_id));
    -- Taking someone else's lock away is an admin's or dev's act over an agent's work: it is in the command log.
    if p_action = 'revoked' then
        perform ops.record_command(v_lock.project_id, p_actor_user_id, 'lock.revoke', 'conversation', p_conversation_id::text,
                                   jsonb_build_object('ownerUserId', v_lock.user_id, 'expiresAt', v_lock.expires_at), null);
    end if;
    return true;
end
$$;

-- Takes the lock, or renews it for its owner. Exactly one of two racing takers wins: the primary key serialises
-- them and the loser's upsert matches no row of its own. An expired lock is recorded as expired, then taken.
-- Returns the owner after the call (the caller won when it is the caller).
create or replace function chat.take_lock(p_conversation_id bigint, p_user_id bigint)
returns table (owner_user_id bigint, owner_name text, taken_at timestamptz, expires_at timestamptz, taken boolean)
language plpgsql as $$
declare
    v_conversation chat.conversations;
    v_idle int;
    v_won chat.conversation_locks;
begin
    select * into v_conversation from chat.conversations where id = p_conversation_id;
    select lock_idle_seconds into v_idle from core.projects where id = v_conversation.project_id;

    if exists (select 1 from chat.conversation_locks l where l.conversation_id = p_conversation_id and l.expires_at <= now()) then
        perform chat.drop_lock(p_conversation_id, null, 'expired');
    end if;

    insert into chat.conversation_locks as l (conversation_id, project_id, user_id, expires_at)
    values (p_conversation_id, v_conversation.project_id, p_user_id, now() + make_interval(secs => v_idle))
    on conflict (conversation_id) do update set expires_at = excluded.expires_at
        where l.user_id = excluded.user_id
    returning * into v_won;

    if v_won.conversation_id is not null and v_won.taken_at = now() then
        insert into chat.lock_events (project_id, conversation_id, owner_user_id, actor_user_id, action)
        values (v_conversation.project_id, p_conversation_id, p_user_id, p_user_id, 'taken');
        perform bot.person_took_over(p_conversation_id, p_user_id, 'person_took_lock');
        perform ops.emit_change(v_conversation.project_id, 'lock_changed', p_conversation_id, null,
                                jsonb_build_object('action', 'taken', 'ownerUserId', p_user_id));
    end if;

    return query
        select l.user_id, u.display_name, l.taken_at, l.expires_at, l.user_id = p_user_id
        from chat.conversation_locks l join core.users u on u.id = l.user_id
        where l.conversation_id = p_conversation_id;
end
$$;

-- The current (unexpired) lock, if any.
create or replace function chat.current_lock(p_conversation_id bigint)
returns table (owner_user_id bigint, owner_name text, taken_at timestamptz, expires_at timestamptz)
language sql stable as $$
    select l.user_id, u.display_name, l.taken_at, l.expires_at
    from chat.conversation_locks l join core.users u on u.id = l.user_id
    where l.conversation_id = p_conversation_id and l.expires_at > now()
$$;

-- Every send checks this: a lock held by someone else refuses it (SQLSTATE MM001, which the Core API answers as
-- 409 lock_held); the owner's send renews the lock, since sending is activity.
create or replace function chat.check_send_lock(p_conversation_id bigint, p_user_id bigint) returns void
language plpgsql as $$
declare
    v_lock chat.conversation_locks;
    v_idle int;
begin
    if p_user_id is null then return; end if;  -- platform sends (bots, automations) are not agents
    select * into v_lock from chat.conversation_locks where conversation_id = p_conversation_id and expires_at > now();
    if v_lock.conversation_id is null then return; end if;
    if v_lock.user_id <> p_user_id then
        raise exception 'lock_held' using errcode = 'MM001', detail = v_lock.user_id::text;
    end if;
    select lock_idle_seconds into v_idle from core.projects where id = v_lock.project_id;
    update chat.conversation_locks set expires_at = now() + make_interval(secs => v_idle)
    where conversation_id = p_conversation_id;
end
$$;

-- Run by the Worker: locks whose owner went idle are removed and recorded as expired, so consoles see them free.
create or replace function chat.expire_locks(p_limit int) returns int
language plpgsql as $$
declare
    v_id bigint;
    v_count int := 0;
begin
    for v_id in
        select conversation_id from chat.conversation_locks where expires_at <= now()
        order by expires_at limit p_limit for update skip locked
    loop
        if chat.drop_lock(v_id, null, 'expired') then v_count := v_count + 1; end if;
    end loop;
    return v_count;
end
$$;

create or replace function chat.lock_history(p_conversation_id bigint, p_limit int)
returns table (id bigint, action text, owner_user_id bigint, owner_name text, actor_user_id bigint, actor_name text, created_at timestamptz)
language sql stable as $$
    select e.id, e.action, e.owner_user_id, o.display_name, e.actor_user_id, a.display_name, e.created_at
    from chat.lock_events e
    join core.users o on o.id = e.owner_user_id
    left join core.users a on a.id = e.actor_user_id
    where e.conversation_id = p_conversation_id
    order by e.id desc
    limit p_limit
$$;

-- ── Tags and notes ─────────────────────────────────────────────────────────────────────────────────────────────

create or replace function chat.list_tags(p_project_id bigint)
returns table (id bigint, name text, color text, conversations int)
language sql stable as $$
    select t.id, t.name, t.color, (select count(*)::int from chat.conversation_tags ct where ct.tag_id = t.id)
    from chat.tags t where t.project_id = p_project_id order by lower(t.name)
$$;

create or replace function chat.tag_conversation(p_conversation_id bigint, p_tag_id bigint, p_user_id bigint, p_on boolean)
returns boolean
language plpgsql as $$
declare
    v_project bigint;
begin
    select project_id into v_project from chat.conversations where id = p_conversation_id;
    if p_on then
        insert into chat.conversation_tags (conversation_id, tag_id, added_by)
        select p_conversation_id, t.id, p_user_id from chat.tags t where t.id = p_tag_id and t.project_id = v_project
        on conflict do nothing;
    else
        delete from chat.conversation_tags where conversation_id = p_conversation_id and tag_id = p_tag_id;
    end if;
    if not found then return false; end if;
    perform ops.emit_change(v_project, 'tags_changed', p_conversation_id);
    return true;
end
$$;

create or replace function chat.conversation_tags(p_conversation_id bigint)
returns table (id bigint, name text, color text, added_by bigint, added_at timestamptz)
language sql stable as $$
    select t.id, t.name, t.color, ct.added_by, ct.added_at
    from chat.conversation_tags ct join chat.tags t on t.id = ct.tag_id
    where ct.conversation_id = p_conversation_id
    order by lower(t.name)
$$;

create or replace function chat.add_note(p_conversation_id bigint, p_user_id bigint, p_body text) returns bigint
language plpgsql as $$
declare
    v_project bigint;
    v_id bigint;
begin
    select project_id into v_project from chat.conversations where id = p_conversation_id;
    insert into chat.notes (project_id, conversation_id, author_user_id, body)
    values (v_project, p_conversation_id, p_user_id, p_body)
    returning id into v_id;
    perform ops.emit_change(v_project, 'note_added', p_conversation_id, null, jsonb_build_object('noteId', v_id));
    return v_id;
end
$$;

create or replace function chat.list_notes(p_conversation_id bigint)
returns table (id bigint, author_user_id bigint, author_name text, body text, created_at timestamptz)
language sql stable as $$
    select n.id, n.author_user_id, u.display_name, n.body, n.created_at
    from chat.notes n join core.users u on u.id = n.author_user_id
    where n.conversation_id = p_conversation_id
    order by n.id
$$;

create or replace function chat.conversation_history(p_conversation_id bigint, p_limit int)
returns table (id bigint, action text, actor_user_id bigint, actor_name text, queue_id bigint, queue_name text,
               user_id bigint, user_name text, created_at timestamptz)
language sql stable as $$
    select e.id, e.action, e.actor_user_id, a.display_name, e.queue_id, q.name, e.user_id, u.display_name, e.created_at
    from chat.conversation_events e
    left join core.users a on a.id = e.actor_user_id
    left join core.users u on u.id = e.user_id
    left join core.queues q on q.id = e.queue_id
    where e.conversation_id = p_conversation_id
    order by e.id desc
    limit p_limit
$$;

-- Merges custom attributes into a conversation's contact (p_remove first, then p_set; at most 50 keys). Every
-- conversation of the contact gets a 'contact_updated' feed row, so whoever may see any of them (by that
-- conversation's queue and assignee, as for every other kind) refreshes the customer's context live. Null when the
-- merge would pass 50 keys (nothing written).
create or replace function chat.set_contact_attributes(p_conversation_id bigint, p_set jsonb, p_remove text[])
returns jsonb
language plpgsql as $$
declare
    v_contact chat.contacts;
    v_next jsonb;
begin
    select ct.* into v_contact
    from chat.conversations cv join chat.contacts ct on ct.id = cv.contact_id
    where cv.id = p_conversation_id
    for update of ct;
    if v_contact.id is null then return null; end if;
    v_next := (v_contact.attributes - p_remove) || p_set;
    if (select count(*) from jsonb_object_keys(v_next)) > 50 then return null; end if;
    update chat.contacts set attributes = v_next, updated_at = now() where id = v_contact.id;
    perform ops.emit_change(cv.project_id, 'contact_updated', cv.id, null, jsonb_build_object('contactId', v_contact.id))
    from chat.conversations cv where cv.contact_id = v_contact.id;
    return v_next;
end
$$;
