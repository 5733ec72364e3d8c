-- The team's settings (queues and their members, routing rules, the tag catalog, one's own presence), read and written
-- here like everything else the Core API touches: the endpoints in CoreApi/Collaboration/Team/* call these only.
-- None of them pushes to consoles (the admin screens re-read); membership changes go through ops.invalidate, which
-- every Core API instance applies to its cached grants.

create or replace function core.my_presence(p_user_id bigint) returns text
language sql stable as $$
    -- An online one unseen for two minutes reads offline, as the team sees it (core.team_presence).
    select coalesce((select case when last_seen_at < now() - interval '2 minutes' then 'offline' else status end
                     from core.presence where user_id = p_user_id), 'offline')
$$;

create or replace function core.list_project_members(p_project_id bigint)
returns table (user_id bigint, display_name text, role text)
language sql stable as $$
    select u.id, u.display_name, pm.role
    from core.project_members pm join core.users u on u.id = pm.user_id and u.is_active
    where pm.project_id = p_project_id
    order by u.display_name, u.id
$$;

-- ── Queues ───────────────────────────────────────────────────────────────────────────────────────────────────

create or replace function core.queue_in_project(p_project_id bigint, p_queue_id bigint) returns boolean
language sql stable as $$
    select exists (select 1 from core.queues where id = p_queue_id and project_id = p_project_id)
$$;

create or replace function core.queue_detail(p_project_id bigint, p_queue_id bigint)
returns table (id bigint, name text, auto_assign boolean, max_open_per_agent int)
language sql stable as $$
    select id, name, auto_assign, max_open_per_agent from core.queues where id = p_queue_id and project_id = p_project_id
$$;

-- No row: a queue with that name exists already.
-- Configuring writes record themselves in the command log (ops.record_command, 036_ops_command_log.sql).
create or replace function core.queue_state(p_queue_id bigint) returns jsonb
language sql stable as $$
    select jsonb_build_object('name', q.name, 'autoAssign', q.auto_assign, 'maxOpenPerAgent', q.max_open_per_agent)
    from core.queues q where q.id = p_queue_id
$$;

create or replace function core.create_queue(p_project_id bigint, p_name text, p_auto_assign boolean, p_max_open_per_agent int)
returns table (id bigint, name text, auto_assign boolean, max_open_per_agent int)
language plpgsql as $$
#variable_conflict use_column
declare
    v_id bigint;
begin
    insert into core.queues as q (project_id, name, auto_assign, max_open_per_agent)
    values (p_project_id, p_name, coalesce(p_auto_assign, false), coalesce(p_max_open_per_agent, 20))
    on conflict (project_id, name) do nothing
    returning q.id into v_id;
    if v_id is null then return; end if;
    perform ops.record_command(p_project_id, null, 'queue.create', 'queue', v_id::text, null, core.queue_state(v_id));
    return query select q.id, q.name, q.auto_assign, q.max_open_per_agent from core.queues q where q.id = v_id;
end
$$;

-- Null arguments keep the current value. No row: not the project's queue. A duplicate name raises unique_violation.
-- A queue that now auto-assigns wakes the assignment loop.
create or replace function core.update_queue(p_project_id bigint, p_queue_id bigint, p_name text, p_auto_assign boolean,
                                             p_max_open_per_agent int)
returns table (id bigint, name text, auto_assign boolean, max_open_per_agent int)
language plpgsql as $$
declare
    v_before jsonb := core.queue_state(p_queue_id);
begin
    return query
    update core.queues as q set name = coalesce(p_name, q.name), auto_assign = coalesce(p_auto_assign, q.auto_assign),
                                max_open_per_agent = coalesce(p_max_open_per_agent, q.max_open_per_agent)
    where q.id = p_queue_id and q.project_id = p_project_id
    returning q.id, q.name, q.auto_assign, q.max_open_per_agent;
    if found then
        perform ops.record_command(p_project_id, null, 'queue.update', 'queue', p_queue_id::text, v_before, core.queue_state(p_queue_id));
    end if;
    if exists (select 1 from core.queues q where q.id = p_queue_id and q.project_id = p_project_id and q.auto_assign) then
        perform pg_notify('assignment', '');
    end if;
end
$$;

create or replace function core.list_queue_members(p_queue_id bigint)
returns table (user_id bigint, display_name text, last_assigned_at timestamptz)
language sql stable as $$
    select qm.user_id, u.display_name, qm.last_assigned_at
    from core.queue_members qm join core.users u on u.id = qm.user_id
    where qm.queue_id = p_queue_id
    order by u.display_name
$$;

-- Adds or removes a member: 'not_found' (not the project's queue), 'unknown_member' (not a member of the project), or
-- 'ok'. Membership decides what an agent sees, so every Core API instance drops the user's cached grants.
create or replace function core.set_queue_member(p_project_id bigint, p_queue_id bigint, p_user_id bigint, p_member boolean)
returns text
language plpgsql as $$
begin
    if not core.queue_in_project(p_project_id, p_queue_id) then return 'not_found'; end if;
    if p_member then
        if not exists (select 1 from core.project_members where project_id = p_project_id and user_id = p_user_id) then
            return 'unknown_member';
        end if;
        insert into core.queue_members (queue_id, user_id) values (p_queue_id, p_user_id) on conflict do nothing;
    else
        delete from core.queue_members where queue_id = p_queue_id and user_id = p_user_id;
    end if;
    perform ops.record_command(p_project_id, null, case when p_member then 'queue.member_add' else 'queue.member_remove' end,
                               'queue', p_queue_id::text, null, jsonb_build_object('userId', p_user_id));
    perform ops.invalidate(p_project_id, 'access', p_user_id::text);
    perform pg_notify('assignment', '');
    return 'ok';
end
$$;

-- ── Routing rules ────────────────────────────────────────────────────────────────────────────────────────────

create or replace function core.list_routing_rules(p_project_id bigint)
returns table (id bigint, queue_id bigint, "position" int, channel text, keyword text, attribute_key text, attribute_value text)
language sql stable as $$
    select id, queue_id, position, channel, keyword, attribute_key, attribute_value
    from core.routing_rules where project_id = p_project_id order by position, id
$$;

create or replace function core.routing_rule_state(p_rule_id bigint) returns jsonb
language sql stable as $$
    select jsonb_build_object('queueId', r.queue_id, 'position', r.position, 'channel', r.channel, 'keyword', r.keyword,
                              'attributeKey', r.attribute_key, 'attributeValue', r.attribute_value)
    from core.routing_rules r where r.id = p_rule_id
$$;

-- No row: the queue is not the project's. Recorded in the command log.
create or replace function core.add_routing_rule(p_project_id bigint, p_queue_id bigint, p_position int, p_channel text, p_keyword text,
                                                 p_attribute_key text, p_attribute_value text, p_created_by bigint)
returns table (id bigint, queue_id bigint, "position" int, channel text, keyword text, attribute_key text, attribute_value text)
language plpgsql as $$
declare
    v_id bigint;
begin
    insert into core.routing_rules as r (project_id, queue_id, position, channel, keyword, attribute_key, attribute_value, created_by)
    select p_project_id, p_queue_id, coalesce(p_position, 0), p_channel, p_keyword, p_attribute_key, p_attribute_value, p_created_by
    where core.queue_in_project(p_project_id, p_queue_id)
    returning r.id into v_id;
    if v_id is null then return; end if;
    perform ops.record_command(p_project_id, null, 'routing_rule.add', 'routing_rule', v_id::text, null, core.routing_rule_state(v_id));
    return query select r.id, r.queue_id, r.position, r.channel, r.keyword, r.attribute_key, r.attribute_value
                 from core.routing_rules r where r.id = v_id;
end
$$;

create or replace function core.delete_routing_rule(p_project_id bigint, p_rule_id bigint) returns boolean
language plpgsql as $$
declare
    v_before jsonb := core.routing_rule_state(p_rule_id);
begin
    delete from core.routing_rules where id = p_rule_id and project_id = p_project_id;
    if not found then return false; end if;
    perform ops.record_command(p_project_id, null, 'routing_rule.delete', 'routing_rule', p_rule_id::text, v_before, null);
    return true;
end
$$;

-- ── Tag catalog ──────────────────────────────────────────────────────────────────────────────────────────────

create or replace function chat.tag_state(p_tag_id bigint) returns jsonb
language sql stable as $$
    select jsonb_build_object('name', t.name, 'color', t.color) from chat.tags t where t.id = p_tag_id
$$;

-- No row: a tag with that name exists already. The tag writes are recorded in the command log.
create or replace function chat.create_tag(p_project_id bigint, p_name text, p_color text)
returns table (id bigint, name text, color text, conversations int)
language plpgsql as $$
declare
    v_id bigint;
begin
    insert into chat.tags as t (project_id, name, color) values (p_project_id, p_name, p_color)
    on conflict do nothing
    returning t.id into v_id;
    if v_id is null then return; end if;
    perform ops.record_command(p_project_id, null, 'tag.create', 'tag', v_id::text, null, chat.tag_state(v_id));
    return query select t.id, t.name, t.color, 0 from chat.tags t where t.id = v_id;
end
$$;

-- Null arguments keep the current value; false: not the project's tag. A duplicate name raises unique_violation.
create or replace function chat.update_tag(p_project_id bigint, p_tag_id bigint, p_name text, p_color text) returns boolean
language plpgsql as $$
declare
    v_before jsonb := chat.tag_state(p_tag_id);
begin
    update chat.tags set name = coalesce(p_name, name), color = coalesce(p_color, color)
    where id = p_tag_id and project_id = p_project_id;
    if not found then return false; end if;
    perform ops.record_command(p_project_id, null, 'tag.update', 'tag', p_tag_id::text, v_before, chat.tag_state(p_tag_id));
    return true;
end
$$;

create or replace function chat.delete_tag(p_project_id bigint, p_tag_id bigint) returns boolean
language plpgsql as $$
declare
    v_before jsonb := chat.tag_state(p_tag_id);
begin
    delete from chat.tags where id = p_tag_id and project_id = p_project_id;
    if not found then return false; end if;
    perform ops.record_command(p_project_id, null, 'tag.delete', 'tag', p_tag_id::text, v_before, null);
    return true;
end
$$;
