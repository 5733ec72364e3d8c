-- Outbound messages written by the Core API, sent by the Worker.
alter table chat.messages
    add column client_message_id text,
    add column sent_by_user_id bigint references core.users;
-- The idempotency key of a send: a retried request finds the message it already created.
create unique index messages_client_id_key on chat.messages (conversation_id, client_message_id)
    where client_message_id is not null;

-- Access tokens for the Graph API, AES-GCM ciphertext like the app secrets; decrypted only in the Worker's memory.
alter table meta.accounts add column access_token_enc bytea;

-- The outbox: one row per provider call to make, written in the same transaction as the message it sends.
-- Lease columns as in DESIGN.md: claimed with FOR UPDATE SKIP LOCKED, so several Workers share it and an expired
-- lease is taken over.
create table ops.outbox (
    id               bigint generated always as identity primary key,
    project_id       bigint not null references core.projects,
    account_id       bigint not null references meta.accounts,
    message_id       bigint not null references chat.messages,
    kind             text not null default 'send_message',
    created_at       timestamptz not null default now(),
    next_attempt_at  timestamptz not null default now(),
    locked_by        text,
    locked_until     timestamptz,
    attempt_count    integer not null default 0,
    last_error       text,
    completed_at     timestamptz
);
create index outbox_due_idx on ops.outbox (next_attempt_at, id) where completed_at is null;

create table ops.dead_letters (
    id           bigint generated always as identity primary key,
    project_id   bigint not null references core.projects,
    outbox_id    bigint not null references ops.outbox,
    message_id   bigint references chat.messages,
    reason       text not null,
    error_code   integer,
    attempts     integer not null,
    created_at   timestamptz not null default now()
);

-- Durable sequence of what the consoles must see (new messages, status ticks, conversation changes). The Core
-- API LISTENs for a wake-up and reads rows after the last id it pushed, so a missed notification loses nothing.
create table ops.change_feed (
    id               bigint generated always as identity primary key,
    project_id       bigint not null references core.projects,
    kind             text not null,
    conversation_id  bigint,
    message_id       bigint,
    payload          jsonb,
    created_at       timestamptz not null default now()
);
create index change_feed_project_idx on ops.change_feed (project_id, id);

-- Every write that can make a cached read stale records what it touched; every Core API instance applies them.
create table ops.cache_invalidations (
    id          bigint generated always as identity primary key,
    project_id  bigint,
    scope       text not null,
    key         text,
    created_at  timestamptz not null default now()
);

create table ops.worker_heartbeats (
    worker_id  text not null,
    loop       text not null,
    beat_at    timestamptz not null default now(),
    details    jsonb,
    primary key (worker_id, loop)
);
