-- Sign-in sessions: one per sign-in, the family of every refresh token rotated from it. Signing out revokes the
-- session, so none of its refresh tokens works again (a session cookie copied before sign-out cannot rebuild one);
-- a spent refresh token presented again means a copy is in someone else's hands, and revokes the whole family.
-- Access tokens carry the session id (claim sid).
create table core.sessions (
    id              bigint generated always as identity primary key,
    user_id         bigint not null references core.users,
    created_at      timestamptz not null default now(),
    revoked_at      timestamptz,
    revoked_reason  text check (revoked_reason in ('signed_out', 'reused', 'deactivated'))
);
create index sessions_user on core.sessions (user_id) where revoked_at is null;

alter table core.refresh_tokens add column session_id bigint references core.sessions;

-- Tokens issued before sessions existed: each becomes its own session, so nobody is signed out by the upgrade.
do $$
declare
    v_token record;
    v_session bigint;
begin
    for v_token in select id, user_id, created_at from core.refresh_tokens where session_id is null loop
        insert into core.sessions (user_id, created_at) values (v_token.user_id, v_token.created_at) returning id into v_session;
        update core.refresh_tokens set session_id = v_session where id = v_token.id;
    end loop;
end
$$;

alter table core.refresh_tokens alter column session_id set not null;
create index refresh_tokens_session on core.refresh_tokens (session_id);
