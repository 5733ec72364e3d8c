-- Projects (platform operators) and people (project admins), and each user's own password and sessions.
-- Tables: migrations/0022_projects_people.sql. Every configuring write records itself (ops.record_command); the
-- Core API sets who, which request and from where for the transaction (CommandContext).

-- ── Projects ────────────────────────────────────────────────────────────────────────────────────────────────

create or replace function core.project_state(p_project_id bigint) returns jsonb
language sql stable as $$
    select jsonb_build_object('name', p.name, 'archived', p.archived_at is not null) from core.projects p where p.id = p_project_id
$$;

create or replace function core.platform_projects()
returns table (id bigint, name text, slug text, created_at timestamptz, archived_at timestamptz, members int, accounts int)
language sql stable as $$
    select p.id, p.name, p.slug, p.created_at, p.archived_at,
           (select count(*)::int from core.project_members m where m.project_id = p.id and m.expires_at is null),
           (select count(*)::int from meta.accounts a where a.project_id = p.id)
    from core.projects p
    order by p.archived_at nulls first, lower(p.name), p.id
$$;

-- A new project with the default queue every project starts with. The slug is derived from the name and made unique.
create or replace function core.create_project(p_name text) returns bigint
language plpgsql as $$
declare
    v_base text := coalesce(nullif(trim(both '-' from regexp_replace(lower(p_name), '[^a-z0-9]+', '-', 'g')), ''), 'project');
    v_slug text := left(v_base, 40);
    v_id bigint;
begin
    while exists (select 1 from core.projects where slug = v_slug) loop
        v_slug := left(v_base, 40) || '-' || substr(md5(random()::text), 1, 6);
    end loop;
    insert into core.projects (slug, name) values (v_slug, p_name) returning id into v_id;
    insert into core.queues (project_id, name) values (v_id, 'General');
    perform ops.record_command(v_id, null, 'project.create', 'project', v_id::text, null, core.project_state(v_id));
    return v_id;
end
$$;

-- False: no such project.
create or replace function core.rename_project(p_project_id bigint, p_name text) returns boolean
language plpgsql as $$
declare
    v_before jsonb := core.project_state(p_project_id);
begin
    update core.projects set name = p_name where id = p_project_id;
    if not found then return false; end if;
    perform ops.record_command(p_project_id, null, 'project.rename', 'project', p_project_id::text, v_before, core.project_state(p_project_id));
    -- The name travels with each member's cached grants.
    perform ops.invalidate(p_project_id, 'access', m.user_id::text) from core.project_members m where m.project_id = p_project_id;
    return true;
end
$$;

-- Archiving makes the project read-only at once on every Core API instance (grants are re-read). False: no project.
create or replace function core.archive_project(p_project_id bigint, p_archived boolean, p_reason text) returns boolean
language plpgsql as $$
declare
    v_before jsonb := core.project_state(p_project_id);
    v_user bigint;
begin
    update core.projects set archived_at = case when p_archived then coalesce(archived_at, now()) end where id = p_project_id;
    if not found then return false; end if;
    if v_before is distinct from core.project_state(p_project_id) then
        perform ops.record_command(p_project_id, null, case when p_archived then 'project.archive' else 'project.unarchive' end,
                                   'project', p_project_id::text, v_before, core.project_state(p_project_id) || jsonb_build_object('reason', p_reason));
        for v_user in select user_id from core.project_members where project_id = p_project_id loop
            perform ops.invalidate(p_project_id, 'access', v_user::text);
        end loop;
    end if;
    return true;
end
$$;

-- An operator switches into a project to help: an admin membership that ends by itself after p_hours (or when they
-- leave), recorded with the reason. An existing real membership is left alone. False: no such project.
create or replace function core.start_help(p_project_id bigint, p_operator_id bigint, p_hours int, p_reason text) returns boolean
language plpgsql as $$
begin
    if not exists (select 1 from core.projects where id = p_project_id) then return false; end if;
    insert into core.project_members (project_id, user_id, role, expires_at)
    values (p_project_id, p_operator_id, 'admin', now() + make_interval(hours => p_hours))
    on conflict (project_id, user_id) do update set expires_at = excluded.expires_at
        where core.project_members.expires_at is not null;
    perform ops.record_command(p_project_id, p_operator_id, 'project.help', 'project', p_project_id::text, null,
                               jsonb_build_object('hours', p_hours, 'reason', p_reason));
    perform ops.invalidate(p_project_id, 'access', p_operator_id::text);
    return true;
end
$$;

create or replace function core.end_help(p_project_id bigint, p_operator_id bigint) returns boolean
language plpgsql as $$
begin
    delete from core.project_members where project_id = p_project_id and user_id = p_operator_id and expires_at is not null;
    if not found then return false; end if;
    perform ops.record_command(p_project_id, p_operator_id, 'project.help_end', 'project', p_project_id::text, null, null);
    perform ops.invalidate(p_project_id, 'access', p_operator_id::text);
    return true;
end
$$;

-- ── People ──────────────────────────────────────────────────────────────────────────────────────────────────

create or replace function core.project_people(p_project_id bigint)
returns table (user_id bigint, display_name text, email text, role text, last_login_at timestamptz, helping_until timestamptz)
language sql stable as $$
    select u.id, u.display_name, u.email, m.role, u.last_login_at, m.expires_at
    from core.project_members m join core.users u on u.id = m.user_id
    where m.project_id = p_project_id and u.is_active and (m.expires_at is null or m.expires_at > now())
    order by lower(u.display_name), u.id
$$;

create or replace function core.open_invitations(p_project_id bigint)
returns table (id bigint, email text, role text, created_at timestamptz, expires_at timestamptz, invited_by text)
language sql stable as $$
    select l.id, l.email, l.role, l.created_at, l.expires_at, u.display_name
    from core.one_time_links l left join core.users u on u.id = l.created_by
    where l.project_id = p_project_id and l.purpose = 'invitation' and l.used_at is null and l.revoked_at is null and l.expires_at > now()
    order by l.created_at desc, l.id desc
$$;

-- A new invitation (the link holds the token; only its hash is kept). refusal: project_archived (read-only),
-- already_member (an active member has that e-mail). An open invitation to the same address is replaced: the newest link is the one that works.
create or replace function core.invite(p_project_id bigint, p_email text, p_role text, p_token_hash bytea, p_expires_at timestamptz,
                                       p_invited_by bigint, out invitation_id bigint, out refusal text)
language plpgsql as $$
begin
    -- Also reached by operators (first admin), whose routes the access check's archived rule does not cover.
    if exists (select 1 from core.projects where id = p_project_id and archived_at is not null) then
        refusal := 'project_archived';
        return;
    end if;
    if exists (select 1 from core.project_members m join core.users u on u.id = m.user_id
               where m.project_id = p_project_id and lower(u.email) = lower(p_email) and u.is_active and m.expires_at is null) then
        refusal := 'already_member';
        return;
    end if;
    update core.one_time_links set revoked_at = now()
    where project_id = p_project_id and purpose = 'invitation' and lower(email) = lower(p_email) and used_at is null and revoked_at is null;
    insert into core.one_time_links (purpose, project_id, email, role, token_hash, created_by, expires_at)
    values ('invitation', p_project_id, lower(p_email), p_role, p_token_hash, p_invited_by, p_expires_at)
    returning id into invitation_id;
    perform ops.record_command(p_project_id, p_invited_by, 'person.invite', 'invitation', invitation_id::text, null,
                               jsonb_build_object('email', lower(p_email), 'role', p_role, 'expiresAt', p_expires_at));
end
$$;

create or replace function core.revoke_invitation(p_project_id bigint, p_invitation_id bigint) returns boolean
language plpgsql as $$
declare
    v_link core.one_time_links;
begin
    update core.one_time_links set revoked_at = now()
    where id = p_invitation_id and project_id = p_project_id and purpose = 'invitation' and used_at is null and revoked_at is null
    returning * into v_link;
    if v_link.id is null then return false; end if;
    perform ops.record_command(p_project_id, null, 'person.invitation_revoke', 'invitation', p_invitation_id::text,
                               jsonb_build_object('email', v_link.email, 'role', v_link.role, 'state', 'open'),
                               jsonb_build_object('email', v_link.email, 'role', v_link.role, 'state', 'revoked'));
    return true;
end
$$;

-- What a link's token opens: state is open, used, revoked, expired, or archived (an invitation into a project archived
-- since: it waits for the project to be unarchived). No row: no such link.
create or replace function core.inspect_link(p_token_hash bytea, p_purpose text)
returns table (link_id bigint, state text, project_id bigint, project_name text, email text, role text, invited_by text,
               expires_at timestamptz, existing_user boolean)
language sql stable as $$
    select l.id,
           case when l.used_at is not null then 'used' when l.revoked_at is not null then 'revoked'
                when l.expires_at <= now() then 'expired'
                when l.purpose = 'invitation' and p.archived_at is not null then 'archived' else 'open' end,
           l.project_id, p.name, l.email, l.role, u.display_name, l.expires_at,
           exists (select 1 from core.users x where lower(x.email) = lower(l.email))
    from core.one_time_links l
    left join core.projects p on p.id = l.project_id
    left join core.users u on u.id = l.created_by
    where l.token_hash = p_token_hash and l.purpose = p_purpose
$$;

-- Accepting: the link is spent (once: the row lock makes two clicks one), the user is created or, when the address
-- already has one, joined to the project with their own password (p_password_hash is then ignored). refusal:
-- invitation_invalid, invitation_used, invitation_expired, project_archived (joining is a write into the project; the
-- link stays open and works once the project is unarchived), account_inactive.
create or replace function core.accept_invitation(p_token_hash bytea, p_display_name text, p_password_hash text,
                                                  out user_id bigint, out project_id bigint, out created boolean, out refusal text)
language plpgsql as $$
declare
    v_link core.one_time_links;
    v_user core.users;
begin
    select * into v_link from core.one_time_links l where l.token_hash = p_token_hash and l.purpose = 'invitation' for update;
    if v_link.id is null then refusal := 'invitation_invalid'; return; end if;
    if v_link.used_at is not null then refusal := 'invitation_used'; return; end if;
    if v_link.revoked_at is not null or v_link.expires_at <= now() then refusal := 'invitation_expired'; return; end if;
    if exists (select 1 from core.projects p where p.id = v_link.project_id and p.archived_at is not null) then
        refusal := 'project_archived';
        return;
    end if;
    select * into v_user from core.users u where lower(u.email) = lower(v_link.email);
    if v_user.id is not null and not v_user.is_active then refusal := 'account_inactive'; return; end if;
    created := v_user.id is null;
    if created then
        insert into core.users (email, display_name, password_hash) values (v_link.email, p_display_name, p_password_hash)
        returning * into v_user;
    end if;
    insert into core.project_members (project_id, user_id, role) values (v_link.project_id, v_user.id, v_link.role)
    on conflict on constraint project_members_pkey do update set role = excluded.role, expires_at = null;
    update core.one_time_links set used_at = now(), user_id = v_user.id where id = v_link.id;
    perform ops.record_command(v_link.project_id, v_user.id, 'person.join', 'user', v_user.id::text, null,
                               jsonb_build_object('email', v_link.email, 'role', v_link.role, 'invitationId', v_link.id, 'newUser', created));
    perform ops.invalidate(v_link.project_id, 'access', v_user.id::text);
    user_id := v_user.id;
    project_id := v_link.project_id;
end
$$;

-- A member's role. False: not an active member of the project.
create or replace function core.change_role(p_project_id bigint, p_user_id bigint, p_role text) returns boolean
language plpgsql as $$
declare
    v_before text := (select role from core.project_members where project_id = p_project_id and user_id = p_user_id and expires_at is null);
begin
    if v_before is null then return false; end if;
    update core.project_members set role = p_role where project_id = p_project_id and user_id = p_user_id;
    if v_before <> p_role then
        perform ops.record_command(p_project_id, null, 'person.role', 'user', p_user_id::text,
                                   jsonb_build_object('role', v_before), jsonb_build_object('role', p_role));
        perform ops.invalidate(p_project_id, 'access', p_user_id::text);
    end if;
    return true;
end
$$;

-- Removes a member from the project: out of its queues and its membership, their cached grants dropped everywhere,
-- and every session of theirs ended at once (refresh tokens dead, unexpired access tokens refused, hub connections
-- closed): an open console of a deactivated person stops now, whatever other project they are in; they sign in
-- again to reach those. A platform operator's sessions are left alone (a project admin cannot sign an operator out of
-- the platform); their grants to this project still drop at once. False: not a member.
create or replace function core.remove_member(p_project_id bigint, p_user_id bigint, p_reason text) returns boolean
language plpgsql as $$
declare
    v_before text := (select role from core.project_members where project_id = p_project_id and user_id = p_user_id and expires_at is null);
    v_session bigint;
    v_ended int := 0;
begin
    if v_before is null then return false; end if;
    delete from core.queue_members qm using core.queues q where q.id = qm.queue_id and q.project_id = p_project_id and qm.user_id = p_user_id;
    delete from core.project_members where project_id = p_project_id and user_id = p_user_id;
    perform ops.invalidate(p_project_id, 'access', p_user_id::text);
    if not exists (select 1 from core.users where id = p_user_id and is_operator) then
        for v_session in select id from core.sessions where user_id = p_user_id and revoked_at is null loop
            if core.revoke_session(v_session, 'removed_from_project') then v_ended := v_ended + 1; end if;
        end loop;
    end if;
    perform ops.record_command(p_project_id, null, 'person.deactivate', 'user', p_user_id::text,
                               jsonb_build_object('role', v_before), jsonb_build_object('role', null, 'reason', p_reason, 'sessionsEnded', v_ended));
    perform pg_notify('assignment', '');
    return true;
end
$$;

-- A password-reset link for a member (an admin hands it over). refusal: not_member.
create or replace function core.create_password_reset(p_project_id bigint, p_user_id bigint, p_token_hash bytea, p_expires_at timestamptz,
                                                      p_created_by bigint, out link_id bigint, out email text, out refusal text)
language plpgsql as $$
begin
    select u.email into email from core.project_members m join core.users u on u.id = m.user_id
    where m.project_id = p_project_id and m.user_id = p_user_id and m.expires_at is null and u.is_active;
    if email is null then refusal := 'not_member'; return; end if;
    update core.one_time_links set revoked_at = now()
    where purpose = 'password_reset' and user_id = p_user_id and used_at is null and revoked_at is null;
    insert into core.one_time_links (purpose, project_id, email, user_id, token_hash, created_by, expires_at)
    values ('password_reset', p_project_id, email, p_user_id, p_token_hash, p_created_by, p_expires_at)
    returning id into link_id;
    perform ops.record_command(p_project_id, p_created_by, 'person.password_reset', 'user', p_user_id::text, null,
                               jsonb_build_object('expiresAt', p_expires_at));
end
$$;

-- ── One's own account ───────────────────────────────────────────────────────────────────────────────────────

-- A new password ends every other session of the user (a thief's copy included); p_keep_session stays signed in.
create or replace function core.set_password(p_user_id bigint, p_password_hash text, p_keep_session bigint) returns void
language plpgsql as $$
declare
    v_session bigint;
begin
    update core.users set password_hash = p_password_hash where id = p_user_id;
    for v_session in select id from core.sessions where user_id = p_user_id and revoked_at is null
                     and id is distinct from p_keep_session loop
        perform core.revoke_session(v_session, 'password_changed');
    end loop;
end
$$;

-- Completing a reset: the link is spent once, the password set, and every session of the user ended. refusal:
-- reset_invalid, reset_used, reset_expired.
create or replace function core.complete_password_reset(p_token_hash bytea, p_password_hash text, out user_id bigint, out refusal text)
language plpgsql as $$
declare
    v_link core.one_time_links;
begin
    select * into v_link from core.one_time_links l where l.token_hash = p_token_hash and l.purpose = 'password_reset' for update;
    if v_link.id is null then refusal := 'reset_invalid'; return; end if;
    if v_link.used_at is not null then refusal := 'reset_used'; return; end if;
    if v_link.revoked_at is not null or v_link.expires_at <= now() then refusal := 'reset_expired'; return; end if;
    update core.one_time_links set used_at = now() where id = v_link.id;
    perform core.set_password(v_link.user_id, p_password_hash, null);
    perform ops.record_command(v_link.project_id, v_link.user_id, 'person.password_reset_done', 'user', v_link.user_id::text, null, null);
    user_id := v_link.user_id;
end
$$;

create or replace function core.password_hash(p_user_id bigint) returns text
language sql stable as $$
    select password_hash from core.users where id = p_user_id and is_active
$$;

create or replace function core.my_sessions(p_user_id bigint)
returns table (id bigint, created_at timestamptz, last_used_at timestamptz)
language sql stable as $$
    select s.id, s.created_at, coalesce(s.last_used_at, s.created_at)
    from core.sessions s
    where s.user_id = p_user_id and s.revoked_at is null
      and exists (select 1 from core.refresh_tokens t where t.session_id = s.id and t.revoked_at is null and t.expires_at > now())
    order by coalesce(s.last_used_at, s.created_at) desc, s.id desc
$$;

-- Ends one of the user's own sessions, or all but p_keep (null: all). Returns how many ended.
create or replace function core.end_my_sessions(p_user_id bigint, p_session_id bigint, p_keep bigint) returns int
language plpgsql as $$
declare
    v_session bigint;
    v_count int := 0;
begin
    for v_session in select id from core.sessions where user_id = p_user_id and revoked_at is null
                     and (p_session_id is null or id = p_session_id) and id is distinct from p_keep loop
        if core.revoke_session(v_session, 'ended_by_user') then v_count := v_count + 1; end if;
    end loop;
    return v_count;
end
$$;
