-- Many agents on one inbox: routing, assignment, presence, locks, tags, notes, and the internal chat.

-- New permissions. Agents take and work conversations of their queues; supervisors assign anyone, manage queues,
-- routing rules and the tag catalog, and see who is online; only admins and devs revoke another agent's lock.
insert into core.role_permissions (role, permission)
select r.role, p.permission
from (values
    ('agent', 'conversations.take'), ('supervisor', 'conversations.take'), ('admin', 'conversations.take'),
    ('supervisor', 'conversations.assign'), ('admin', 'conversations.assign'),
    ('supervisor', 'queues.manage'), ('admin', 'queues.manage'),
    ('supervisor', 'tags.manage'), ('admin', 'tags.manage'),
    ('supervisor', 'presence.read'), ('admin', 'presence.read'), ('dev', 'presence.read'),
    ('admin', 'locks.revoke'), ('dev', 'locks.revoke'),
    ('agent', 'internal_chat.use'), ('supervisor', 'internal_chat.use'), ('admin', 'internal_chat.use'), ('dev', 'internal_chat.use')
) as p(role, permission) join (select name as role from core.roles) r using (role)
on conflict do nothing;

-- Queues: automatic assignment (round-robin among available members, each under a cap of open conversations).
alter table core.queues
    add column auto_assign boolean not null default false,
    add column max_open_per_agent integer not null default 20 check (max_open_per_agent between 1 and 1000);
-- Round-robin turn: the member assigned longest ago from this queue goes next.
alter table core.queue_members add column last_assigned_at timestamptz;

-- Routing on arrival: the first rule (by position) that matches a new conversation sends it to its queue; none
-- matching leaves the account's default queue. A rule matches on any combination of channel, a keyword in the
-- first message, and a customer attribute.
create table core.routing_rules (
    id               bigint generated always as identity primary key,
    project_id       bigint not null references core.projects,
    queue_id         bigint not null references core.queues,
    position         integer not null default 0,
    channel          text check (channel in ('whatsapp', 'messenger', 'instagram')),
    keyword          text check (length(keyword) between 1 and 100),
    attribute_key    text check (length(attribute_key) between 1 and 100),
    attribute_value  text check (length(attribute_value) between 1 and 500),
    created_by       bigint references core.users,
    created_at       timestamptz not null default now(),
    check (channel is not null or keyword is not null or attribute_key is not null),
    check ((attribute_key is null) = (attribute_value is null))
);
create index routing_rules_project_idx on core.routing_rules (project_id, position, id);

-- Presence is the person's, across projects: online (takes new conversations), away, offline. last_seen_at is
-- refreshed by the console; an "online" not seen for a while counts as offline for assignment.
create table core.presence (
    user_id       bigint primary key references core.users,
    status        text not null check (status in ('online', 'away', 'offline')),
    changed_at    timestamptz not null default now(),
    last_seen_at  timestamptz not null default now()
);

-- Customer attributes (plan, language, VIP…), set by agents and read by routing rules.
alter table chat.contacts add column attributes jsonb not null default '{}';

alter table chat.conversations
    add column assigned_at timestamptz,
    add column resolved_at timestamptz;
create index conversations_assignee_idx on chat.conversations (assigned_user_id) where status = 'open' and assigned_user_id is not null;
create index conversations_unassigned_idx on chat.conversations (queue_id, last_message_at) where status = 'open' and assigned_user_id is null;

-- What happened to a conversation, by whom: assignment, transfer, resolve, reopen, routing.
create table chat.conversation_events (
    id               bigint generated always as identity primary key,
    project_id       bigint not null references core.projects,
    conversation_id  bigint not null references chat.conversations,
    actor_user_id    bigint references core.users,
    action           text not null check (action in ('routed', 'assigned', 'unassigned', 'transferred', 'resolved', 'reopened')),
    queue_id         bigint references core.queues,
    user_id          bigint references core.users,
    created_at       timestamptz not null default now()
);
create index conversation_events_conversation_idx on chat.conversation_events (conversation_id, id);

-- One lock per conversation: while held, only its owner can send. It lapses after inactivity (expires_at moves
-- forward with the owner's activity); taking an expired lock records its expiry first.
create table chat.conversation_locks (
    conversation_id  bigint primary key references chat.conversations,
    project_id       bigint not null references core.projects,
    user_id          bigint not null references core.users,
    taken_at         timestamptz not null default now(),
    expires_at       timestamptz not null
);
create index conversation_locks_expiry_idx on chat.conversation_locks (expires_at);

create table chat.lock_events (
    id               bigint generated always as identity primary key,
    project_id       bigint not null references core.projects,
    conversation_id  bigint not null references chat.conversations,
    owner_user_id    bigint not null references core.users,
    actor_user_id    bigint references core.users,
    action           text not null check (action in ('taken', 'released', 'revoked', 'expired')),
    created_at       timestamptz not null default now()
);
create index lock_events_conversation_idx on chat.lock_events (conversation_id, id);

alter table core.projects add column lock_idle_seconds integer not null default 600 check (lock_idle_seconds between 30 and 86400);

create table chat.tags (
    id          bigint generated always as identity primary key,
    project_id  bigint not null references core.projects,
    name        text not null check (length(name) between 1 and 50),
    color       text not null check (color ~ '^#[0-9a-f]{6}$'),
    created_at  timestamptz not null default now()
);
create unique index tags_name_key on chat.tags (project_id, lower(name));

create table chat.conversation_tags (
    conversation_id  bigint not null references chat.conversations,
    tag_id           bigint not null references chat.tags on delete cascade,
    added_by         bigint references core.users,
    added_at         timestamptz not null default now(),
    primary key (conversation_id, tag_id)
);
create index conversation_tags_tag_idx on chat.conversation_tags (tag_id);

-- Internal notes: for the team only. They live apart from chat.messages, so no path can send one to a customer.
create table chat.notes (
    id               bigint generated always as identity primary key,
    project_id       bigint not null references core.projects,
    conversation_id  bigint not null references chat.conversations,
    author_user_id   bigint not null references core.users,
    body             text not null check (length(body) between 1 and 4000),
    created_at       timestamptz not null default now()
);
create index notes_conversation_idx on chat.notes (conversation_id, id);

-- Internal chat among agents: project-local, never sent to Meta, purged after five days by the Worker.
create table chat.internal_rooms (
    id          bigint generated always as identity primary key,
    project_id  bigint not null references core.projects,
    kind        text not null check (kind in ('room', 'direct')),
    name        text check (length(name) between 1 and 80),
    -- direct: "lowId:highId", so two people share one direct room
    direct_key  text,
    created_by  bigint references core.users,
    created_at  timestamptz not null default now(),
    check ((kind = 'direct') = (direct_key is not null)),
    check (kind = 'direct' or name is not null)
);
create unique index internal_rooms_direct_key on chat.internal_rooms (project_id, direct_key) where direct_key is not null;

create table chat.internal_room_members (
    room_id    bigint not null references chat.internal_rooms on delete cascade,
    user_id    bigint not null references core.users,
    joined_at  timestamptz not null default now(),
    primary key (room_id, user_id)
);
create index internal_room_members_user_idx on chat.internal_room_members (user_id);

create table chat.internal_messages (
    id               bigint generated always as identity primary key,
    project_id       bigint not null references core.projects,
    room_id          bigint not null references chat.internal_rooms on delete cascade,
    author_user_id   bigint not null references core.users,
    body             text not null check (length(body) between 1 and 4000),
    -- a card linking straight to a customer conversation
    conversation_id  bigint references chat.conversations,
    created_at       timestamptz not null default now()
);
create index internal_messages_room_idx on chat.internal_messages (room_id, id);
create index internal_messages_created_idx on chat.internal_messages (created_at);

-- Internal chat pushes go to the room's members only: the change feed carries who they are.
alter table ops.change_feed add column recipient_user_ids bigint[];
