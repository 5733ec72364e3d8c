-- People and what they may do. Roles are per project; a role is a set of named permissions, checked by the
-- Core API on every endpoint. A user sees nothing of a project they are not a member of.
create table core.users (
    id             bigint generated always as identity primary key,
    email          text not null,
    display_name   text not null,
    -- ASP.NET Core Identity's PasswordHasher (PBKDF2, versioned format)
    password_hash  text not null,
    is_active      boolean not null default true,
    created_at     timestamptz not null default now(),
    last_login_at  timestamptz
);
create unique index users_email_key on core.users (lower(email));

create table core.roles (
    name         text primary key,
    description  text not null
);

create table core.role_permissions (
    role        text not null references core.roles,
    permission  text not null,
    primary key (role, permission)
);

create table core.project_members (
    project_id  bigint not null references core.projects,
    user_id     bigint not null references core.users,
    role        text not null references core.roles,
    created_at  timestamptz not null default now(),
    primary key (project_id, user_id)
);
create index project_members_user_idx on core.project_members (user_id);

create table core.queues (
    id          bigint generated always as identity primary key,
    project_id  bigint not null references core.projects,
    name        text not null,
    created_at  timestamptz not null default now(),
    unique (project_id, name)
);

create table core.queue_members (
    queue_id  bigint not null references core.queues,
    user_id   bigint not null references core.users,
    primary key (queue_id, user_id)
);

-- Refresh tokens are stored as SHA-256 hashes: a database read does not yield a usable token.
create table core.refresh_tokens (
    id          bigint generated always as identity primary key,
    user_id     bigint not null references core.users,
    token_hash  bytea not null unique,
    expires_at  timestamptz not null,
    revoked_at  timestamptz,
    created_at  timestamptz not null default now()
);

alter table meta.accounts add column default_queue_id bigint references core.queues;

alter table chat.conversations
    add column queue_id bigint references core.queues,
    add column assigned_user_id bigint references core.users,
    add column last_read_at timestamptz;
create index conversations_queue_idx on chat.conversations (project_id, queue_id, last_message_at desc nulls last, id desc);

insert into core.roles (name, description) values
    ('agent', 'Works conversations in the queues they belong to'),
    ('supervisor', 'Sees every queue of the project and manages assignment'),
    ('admin', 'Configures the project'),
    ('dev', 'Operates the platform: workers, dead letters, diagnostics');

insert into core.role_permissions (role, permission)
select r.role, p.permission
from (values
    ('agent', 'conversations.read'), ('agent', 'conversations.reply'),
    ('supervisor', 'conversations.read'), ('supervisor', 'conversations.reply'), ('supervisor', 'conversations.read_all_queues'),
    ('admin', 'conversations.read'), ('admin', 'conversations.reply'), ('admin', 'conversations.read_all_queues'),
    ('admin', 'project.configure'), ('admin', 'ops.read'),
    ('dev', 'conversations.read'), ('dev', 'conversations.read_all_queues'), ('dev', 'ops.read')
) as p(role, permission) join (select name as role from core.roles) r using (role);
