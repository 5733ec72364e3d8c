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

-- What a user may do, per project: the permissions of their role there, and the queues they belong to.
create or replace function core.user_access(p_user_id bigint)
returns table (project_id bigint, project_name text, role text, permissions text[], queue_ids bigint[])
language sql stable as $$
    select pm.project_id, p.name, pm.role,
           coalesce((select array_agg(rp.permission order by rp.permission) from core.role_permissions rp where rp.role = pm.role), '{}'),
           coalesce((select array_agg(q.id order by q.id) from core.queues q join core.queue_members qm on qm.queue_id = q.id
                     where q.project_id = pm.project_id and qm.user_id = p_user_id), '{}')
    from core.project_members pm
    join core.projects p on p.id = pm.project_id
    join core.users u on u.id = pm.user_id and u.is_active
    where pm.user_id = p_user_id
    order by pm.project_id
$$;

create or replace function core.save_refresh_token(p_user_id bigint, p_token_hash bytea, p_expires_at timestamptz) returns void
language sql as $$
    insert into core.refresh_tokens (user_id, token_hash, expires_at) values (p_user_id, p_token_hash, p_expires_at)
$$;

-- Rotation: a refresh token works once. Returns the user it belonged to, or no row.
drop function if exists core.use_refresh_token(bytea);
create or replace function core.use_refresh_token(p_token_hash bytea) returns table (user_id bigint, display_name text)
language sql as $$
    update core.refresh_tokens t set revoked_at = now()
    from core.users u
    where t.token_hash = p_token_hash and t.revoked_at is null and t.expires_at > now()
      and u.id = t.user_id and u.is_active
    returning t.user_id, u.display_name
$$;
