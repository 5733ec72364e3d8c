-- Every signed POST Meta made, byte for byte (the signature covers the raw bytes, so nothing is re-serialised).
-- event_hash (SHA-256 of the body) makes redelivery idempotent.
create table meta.webhook_events (
    id                   bigint generated always as identity primary key,
    event_hash           bytea not null unique,
    app_id               bigint references meta.apps,
    received_at          timestamptz not null,
    stored_at            timestamptz not null default now(),
    body                 bytea not null,
    object_kind          text,
    -- normalized | partial (some parts not understood) | parse_error (nothing usable) | ingest_error
    parse_status         text not null,
    parse_error          text,
    -- An event for an account no project owns is kept and flagged, never dropped.
    is_unowned           boolean not null default false,
    unowned_account_ids  text[]
);
create index webhook_events_received_brin on meta.webhook_events using brin (received_at);
create index webhook_events_attention_idx on meta.webhook_events (id)
    where parse_status <> 'normalized' or is_unowned;

-- event_id columns below (and in chat.*) point at the raw event without a foreign key on purpose: raw bodies
-- will be moved out by a retention job, and the normalized rows must outlive them.
create table meta.template_events (
    id             bigint generated always as identity primary key,
    project_id     bigint references core.projects,
    event_id       bigint not null,
    waba_id        text,
    field          text not null,
    event          text,
    template_id    text,
    template_name  text,
    language       text,
    reason         text,
    occurred_at    timestamptz not null,
    payload        jsonb not null
);
create index template_events_template_idx on meta.template_events (waba_id, template_id, occurred_at desc);

create table meta.number_quality_events (
    id                    bigint generated always as identity primary key,
    project_id            bigint references core.projects,
    event_id              bigint not null,
    waba_id               text,
    display_phone_number  text,
    event                 text,
    current_limit         text,
    occurred_at           timestamptz not null,
    payload               jsonb not null
);
create index number_quality_events_waba_idx on meta.number_quality_events (waba_id, occurred_at desc);

-- account_update events and value-level errors (a WhatsApp `value.errors` with no message or status).
create table meta.account_events (
    id                   bigint generated always as identity primary key,
    project_id           bigint references core.projects,
    event_id             bigint not null,
    waba_id              text,
    account_external_id  text,
    field                text not null,
    kind                 text not null,
    event                text,
    reason               text,
    occurred_at          timestamptz not null,
    payload              jsonb not null
);
create index account_events_waba_idx on meta.account_events (waba_id, occurred_at desc);
