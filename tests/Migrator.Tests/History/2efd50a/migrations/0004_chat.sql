create table chat.contacts (
    id             bigint generated always as identity primary key,
    project_id     bigint not null references core.projects,
    channel        text not null,
    external_id    text not null,
    bsuid          text,
    display_name   text,
    phone          text,
    first_seen_at  timestamptz not null default now(),
    updated_at     timestamptz not null default now(),
    unique (project_id, channel, external_id)
);

-- The conversation row carries the latest-message fields so inbox pages never scan message history.
create table chat.conversations (
    id                      bigint generated always as identity primary key,
    project_id              bigint not null references core.projects,
    account_id              bigint not null references meta.accounts,
    contact_id              bigint not null references chat.contacts,
    channel                 text not null,
    status                  text not null default 'open',
    created_at              timestamptz not null default now(),
    last_message_id         bigint,
    last_message_at         timestamptz,
    last_message_preview    text,
    last_message_direction  text,
    last_message_type       text,
    -- start of Meta's 24-hour customer-service window: the last inbound customer message
    last_inbound_at         timestamptz,
    unread_count            integer not null default 0,
    unique (account_id, contact_id)
);
create index conversations_inbox_idx on chat.conversations (project_id, last_message_at desc nulls last, id desc);

create table chat.messages (
    id                    bigint generated always as identity primary key,
    project_id            bigint not null references core.projects,
    conversation_id       bigint not null references chat.conversations,
    account_id            bigint not null references meta.accounts,
    direction             text not null check (direction in ('in', 'out')),
    is_echo               boolean not null default false,
    provider_message_id   text,
    type                  text not null,
    body                  text,
    reply_to_provider_id  text,
    payload               jsonb,
    -- received (inbound) | queued | sent | failed | delivered | read | played; status_rank orders them so an
    -- out-of-order webhook never moves a message backwards (see chat.status_rank)
    status                text not null,
    status_rank           smallint not null,
    status_at             timestamptz,
    error_code            integer,
    error_title           text,
    error_details         text,
    occurred_at           timestamptz not null,
    created_at            timestamptz not null default now(),
    deleted_at            timestamptz,
    event_id              bigint
);
create unique index messages_provider_id_key on chat.messages (account_id, provider_message_id)
    where provider_message_id is not null;
create index messages_thread_idx on chat.messages (conversation_id, occurred_at, id);

create table chat.media (
    id                 bigint generated always as identity primary key,
    project_id         bigint not null references core.projects,
    message_id         bigint not null references chat.messages,
    ordinal            integer not null,
    kind               text not null,
    provider_media_id  text,
    mime_type          text,
    sha256             text,
    url                text,
    file_name          text,
    caption            text,
    storage_key        text,
    download_status    text not null default 'pending',
    unique (message_id, ordinal)
);

-- Every status Meta reported, kept even when its message is not known yet (a status may arrive first);
-- unique per message and status so redeliveries are ignored.
create table chat.message_status_events (
    id                    bigint generated always as identity primary key,
    project_id            bigint not null references core.projects,
    account_id            bigint not null references meta.accounts,
    event_id              bigint not null,
    provider_message_id   text,
    status                text not null,
    customer_external_id  text,
    watermark             timestamptz,
    occurred_at           timestamptz not null,
    error_code            integer,
    error_title           text,
    error_details         text,
    pricing               jsonb,
    conversation          jsonb,
    payload               jsonb not null
);
create unique index message_status_events_key on chat.message_status_events (account_id, provider_message_id, status)
    where provider_message_id is not null;
