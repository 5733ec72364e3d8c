-- The command log's writer and checker (table and append-only rules: migrations/0021_command_log.sql).
--
-- Context a caller cannot forget: the Core API opens every configuring write with a transaction that first sets
-- mm.actor_user_id, mm.request_id and mm.client_address (set_config(..., true): this transaction only; see
-- src/CoreApi/Access/CommandContext.cs), and the write function records its command with what only it knows
-- (project, action, target, before, after). A write made outside a request (the command line) names its actor
-- itself; one made by hand in SQL is recorded under the database role.

-- One row's content as hashed: every column but the hashes, in a fixed order, as canonical jsonb text.
create or replace function ops.command_log_digest(p_prev_hash bytea, p_row ops.command_log) returns bytea
language sql stable as $$
    select sha256(coalesce(p_prev_hash, ''::bytea) || convert_to(jsonb_build_array(
        p_row.id, to_char(p_row.at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US'), p_row.project_id, p_row.actor_user_id,
        p_row.actor, p_row.action, p_row.target_kind, p_row.target_id, p_row.before, p_row.after, p_row.request_id,
        p_row.client_address)::text, 'UTF8'))
$$;

-- Appends one command. Appends are serialized (a transaction-scoped advisory lock), so the chain is one line even
-- when several instances write at once; commands are people's configuration changes, a few per minute.
create or replace function ops.record_command(
    p_project_id bigint, p_actor_user_id bigint, p_action text, p_target_kind text, p_target_id text,
    p_before jsonb default null, p_after jsonb default null, p_actor text default null)
returns bigint
language plpgsql as $$
declare
    v_row ops.command_log;
    v_prev bytea;
begin
    perform pg_advisory_xact_lock(hashtext('ops.command_log'));
    select hash into v_prev from ops.command_log order by id desc limit 1;
    v_row.id := nextval(pg_get_serial_sequence('ops.command_log', 'id'));
    v_row.at := clock_timestamp();
    v_row.project_id := p_project_id;
    v_row.actor_user_id := coalesce(p_actor_user_id, nullif(current_setting('mm.actor_user_id', true), '')::bigint);
    v_row.actor := coalesce(p_actor, (select email from core.users where id = v_row.actor_user_id), 'database role ' || session_user);
    v_row.action := p_action;
    v_row.target_kind := p_target_kind;
    v_row.target_id := p_target_id;
    v_row.before := p_before;
    v_row.after := p_after;
    v_row.request_id := nullif(current_setting('mm.request_id', true), '');
    v_row.client_address := nullif(current_setting('mm.client_address', true), '');
    v_row.prev_hash := v_prev;
    v_row.hash := ops.command_log_digest(v_prev, v_row);
    insert into ops.command_log overriding system value select v_row.*;
    return v_row.id;
end
$$;

-- Walks the chain from its oldest row still kept (older ones may have been purged after the retention) and returns
-- the id of the first row whose hash does not match its content and predecessor, or null when the chain is whole.
create or replace function ops.verify_command_log() returns bigint
language plpgsql stable as $$
declare
    v_row ops.command_log;
    v_prev bytea;
    v_first boolean := true;
begin
    for v_row in select * from ops.command_log order by id loop
        if not v_first and v_row.prev_hash is distinct from v_prev then
            return v_row.id;
        end if;
        if v_row.hash <> ops.command_log_digest(v_row.prev_hash, v_row) then
            return v_row.id;
        end if;
        v_prev := v_row.hash;
        v_first := false;
    end loop;
    return null;
end
$$;

-- Platform operators: the first comes from the command line (Migrator operator add), never a default password.
-- Promotes an existing user, or creates one with the hash given; recorded in the command log either way.
create or replace function core.add_operator(p_email text, p_display_name text, p_password_hash text)
returns table (user_id bigint, created boolean)
language plpgsql as $$
declare
    v_id bigint;
    v_created boolean := false;
begin
    select id into v_id from core.users where lower(email) = lower(p_email);
    if v_id is null then
        insert into core.users (email, display_name, password_hash, is_operator)
        values (p_email, p_display_name, p_password_hash, true) returning id into v_id;
        v_created := true;
    else
        update core.users set is_operator = true, is_active = true where id = v_id;
        perform ops.invalidate(null, 'access', v_id::text);
    end if;
    perform ops.record_command(null, null, 'operator.add', 'user', v_id::text, null,
                               jsonb_build_object('email', p_email, 'created', v_created), 'command line');
    return query select v_id, v_created;
end
$$;

-- Retention: only rows older than the cut-off, which is never less than a year (the table's trigger refuses younger
-- ones whatever the caller asks). Oldest first, in batches; the chain stays verifiable from the oldest row kept.
create or replace function ops.purge_command_log(p_before timestamptz, p_batch int) returns int
language sql as $$
    with doomed as (
        select id from ops.command_log
        where at < least(p_before, now() - interval '366 days')
        order by id limit p_batch for update skip locked
    ), gone as (
        delete from ops.command_log c using doomed d where c.id = d.id returning 1
    )
    select count(*)::int from gone
$$;

-- Ops: the command log, newest first, filtered (a project's rows, or all of them for operators: p_project_id null and
-- p_all true), keyset-paged by id.
create or replace function ops.list_command_log(p_project_id bigint, p_all boolean, p_action_prefix text, p_actor text, p_since timestamptz,
                                                p_until timestamptz, p_before_id bigint, p_limit int)
returns table (id bigint, at timestamptz, project_id bigint, actor text, action text, target_kind text, target_id text,
               before text, after text, request_id text, client_address text)
language sql stable as $$
    select c.id, c.at, c.project_id, c.actor, c.action, c.target_kind, c.target_id, c.before::text, c.after::text, c.request_id, c.client_address
    from ops.command_log c
    where (p_all or c.project_id = p_project_id)
      and (p_action_prefix is null or c.action like core.like_escape(p_action_prefix) || '%' escape '\')
      and (p_actor is null or c.actor ilike '%' || core.like_escape(p_actor) || '%' escape '\')
      and (p_since is null or c.at >= p_since)
      and (p_until is null or c.at < p_until)
      and (p_before_id is null or c.id < p_before_id)
    order by c.id desc
    limit p_limit
$$;
