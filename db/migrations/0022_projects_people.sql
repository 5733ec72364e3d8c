-- Projects and people from the console (issue 12): archived projects, one-time links for invitations and password
-- resets, operators' time-limited help memberships, and what "my sessions" shows.

-- Archived: read-only for everyone (the Core API refuses writes with project_archived); webhooks are still stored.
alter table core.projects add column archived_at timestamptz;

-- An invitation to a project, or a password reset: a one-time link whose token only the link holds (the database
-- keeps its SHA-256). Used, revoked or expired, it opens nothing.
create table core.one_time_links (
    id          bigint generated always as identity primary key,
    purpose     text not null check (purpose in ('invitation', 'password_reset')),
    project_id  bigint references core.projects,
    email       text not null,
    role        text references core.roles,
    user_id     bigint references core.users,
    token_hash  bytea not null unique,
    created_by  bigint references core.users,
    created_at  timestamptz not null default now(),
    expires_at  timestamptz not null,
    used_at     timestamptz,
    revoked_at  timestamptz,
    check (purpose <> 'invitation' or (project_id is not null and role is not null)),
    check (purpose <> 'password_reset' or user_id is not null)
);
create index one_time_links_open on core.one_time_links (project_id, purpose) where used_at is null and revoked_at is null;

-- An operator switched into a project to help holds a membership that ends by itself.
alter table core.project_members add column expires_at timestamptz;

-- "My sessions": when each was last used (a refresh), and the new ways a session ends.
alter table core.sessions add column last_used_at timestamptz;
alter table core.sessions drop constraint if exists sessions_revoked_reason_check;
alter table core.sessions add constraint sessions_revoked_reason_check
    check (revoked_reason in ('signed_out', 'reused', 'deactivated', 'ended_by_user', 'password_changed', 'removed_from_project'));

-- Admins manage the project's people.
insert into core.role_permissions (role, permission) values ('admin', 'people.manage') on conflict do nothing;
