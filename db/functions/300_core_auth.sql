-- Sign-in and memberships for the Core API.
create or replace function core.find_login(p_email text)
returns table (id bigint, display_name text, password_hash text, is_active boolean)
language sql stable as $$
    select id, display_name, password_hash, is_active from core.users where lower(email) = lower(p_email)
$$;

create or replace function core.record_login(p_user_id bigint) returns void
language sql as $$
    update core.users set last_login_at = now() where id = p_user_id
$$;

create or replace function core.create_user(p_email text, p_display_name text, p_password_hash text) returns bigint
language sql as $$
    insert into core.users (email, display_name, password_hash) values (p_email, p_display_name, p_password_hash)
    on conflict (lower(email)) do update set display_name = excluded.display_name, password_hash = excluded.password_hash
    returning id
$$;

-- Grant changes record a cache invalidation: every Core API instance drops the user's cached access at once.
create or replace function core.grant_role(p_project_id bigint, p_user_id bigint, p_role text) returns void
language plpgsql as $$
begin
    insert into core.project_members (project_id, user_id, role) values (p_project_id, p_user_id, p_role)
    on conflict (project_id, user_id) do update set role = excluded.role;
    perform ops.invalidate(p_project_id, 'access', p_user_id::text);
end
$$;

create or replace function core.revoke_role(p_project_id bigint, p_user_id bigint) returns void
language plpgsql as $$
begin
    delete from core.project_members where project_id = p_project_id and user_id = p_user_id;
    perform ops.invalidate(p_project_id, 'access', p_user_id::text);
end
$$;

-- What a user may do, per project: the permissions of their role there, and the queues they belong to; whether the
-- project is archived (read-only). An operator's help membership counts until it ends.
drop function if exists core.user_access(bigint);
create function core.user_access(p_user_id bigint)
returns table (project_id bigint, project_name text, role text, permissions text[], queue_ids bigint[], archived boolean)
language sql stable as $$
    select pm.project_id, p.name, pm.role,
           coalesce((select array_agg(rp.permission order by rp.permission) from core.role_permissions rp where rp.role = pm.role), '{}'),
           coalesce((select array_agg(q.id order by q.id) from core.queues q join core.queue_members qm on qm.queue_id = q.id
                     where q.project_id = pm.project_id and qm.user_id = p_user_id), '{}'),
           p.archived_at is not null
    from core.project_members pm
    join core.projects p on p.id = pm.project_id
    join core.users u on u.id = pm.user_id and u.is_active
    where pm.user_id = p_user_id and (pm.expires_at is null or pm.expires_at > now())
    order by pm.project_id
$$;

-- Sessions (db/migrations/0017_sessions.sql): a sign-in starts one; every refresh token rotated from it belongs to it.
drop function if exists core.save_refresh_token(bigint, bytea, timestamptz);
create or replace function core.start_session(p_user_id bigint, p_token_hash bytea, p_expires_at timestamptz) returns bigint
language plpgsql as $$
declare
    v_session bigint;
begin
    insert into core.sessions (user_id) values (p_user_id) returning id into v_session;
    insert into core.refresh_tokens (user_id, token_hash, expires_at, session_id) values (p_user_id, p_token_hash, p_expires_at, v_session);
    return v_session;
end
$$;

-- The session a refresh token belongs to, spent or not: refreshes are limited per session, checked before rotating.
create or replace function core.refresh_token_session(p_token_hash bytea) returns table (session_id bigint, user_id bigint)
language sql stable as $$
    select session_id, user_id from core.refresh_tokens where token_hash = p_token_hash
$$;

-- Ends a session: none of its refresh tokens works again, and every Core API instance closes its hub connections.
create or replace function core.revoke_session(p_session_id bigint, p_reason text) returns boolean
language plpgsql as $$
begin
    update core.sessions set revoked_at = now(), revoked_reason = p_reason where id = p_session_id and revoked_at is null;
    if not found then return false; end if;
    perform ops.invalidate(null, 'session', p_session_id::text);
    return true;
end
$$;

-- Sessions ended since a moment: a Core API instance that starts reading invalidations loads those still within an
-- access token's lifetime, so a token of a session ended before it started is refused too.
create or replace function core.recently_revoked_sessions(p_since timestamptz) returns table (id bigint)
language sql stable as $$
    select id from core.sessions where revoked_at >= p_since
$$;

-- Sign-out, by the refresh token (the console's server knows it) or by the access token's session of this user.
create or replace function core.sign_out(p_token_hash bytea, p_session_id bigint, p_user_id bigint) returns void
language plpgsql as $$
declare
    v_session bigint;
begin
    if p_token_hash is not null then
        select session_id into v_session from core.refresh_tokens where token_hash = p_token_hash;
    else
        select id into v_session from core.sessions where id = p_session_id and user_id = p_user_id;
    end if;
    if v_session is not null then perform core.revoke_session(v_session, 'signed_out'); end if;
end
$$;

-- Rotation: a refresh token works once, and its successor joins its session. A spent token presented again means
-- a copy is in other hands (the user's or a thief's, we cannot tell): the whole session is revoked. Returns the
-- user and session, or no row.
drop function if exists core.use_refresh_token(bytea);
create or replace function core.rotate_refresh_token(p_token_hash bytea, p_new_hash bytea, p_new_expires_at timestamptz)
returns table (user_id bigint, display_name text, session_id bigint)
language plpgsql as $$
#variable_conflict use_column
declare
    v_token core.refresh_tokens;
    v_user core.users;
begin
    select * into v_token from core.refresh_tokens t where t.token_hash = p_token_hash for update;
    if not found then return; end if;
    if v_token.revoked_at is not null then
        perform core.revoke_session(v_token.session_id, 'reused');
        return;
    end if;
    select * into v_user from core.users u where u.id = v_token.user_id;
    if v_token.expires_at <= now() or not v_user.is_active
       or exists (select 1 from core.sessions s where s.id = v_token.session_id and s.revoked_at is not null) then
        return;
    end if;
    update core.refresh_tokens t set revoked_at = now() where t.id = v_token.id;
    update core.sessions s set last_used_at = now() where s.id = v_token.session_id;
    insert into core.refresh_tokens (user_id, token_hash, expires_at, session_id)
    values (v_token.user_id, p_new_hash, p_new_expires_at, v_token.session_id);
    return query select v_user.id, v_user.display_name, v_token.session_id;
end
$$;

-- Deactivation ends the user's sessions and drops their cached access everywhere (which also closes their open hub
-- connections: see HubGrants). Reactivation lets them sign in again.
create or replace function core.set_user_active(p_user_id bigint, p_active boolean) returns void
language plpgsql as $$
begin
    update core.users set is_active = p_active where id = p_user_id;
    if not p_active then
        update core.sessions set revoked_at = now(), revoked_reason = 'deactivated' where user_id = p_user_id and revoked_at is null;
    end if;
    perform ops.invalidate(null, 'access', p_user_id::text);
end
$$;
