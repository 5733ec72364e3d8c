create table core.projects (
    id          bigint generated always as identity primary key,
    slug        text not null unique,
    name        text not null,
    created_at  timestamptz not null default now()
);

-- A Meta app serves the whole platform (one app may receive webhooks for many projects), so apps are not
-- tenant rows. Secrets are AES-GCM ciphertext (see Platform/Secrets); the key never reaches the database.
create table meta.apps (
    id                bigint generated always as identity primary key,
    meta_app_id       text not null unique,
    name              text not null,
    app_secret_enc    bytea not null,
    verify_token_enc  bytea not null,
    is_active         boolean not null default true,
    created_at        timestamptz not null default now()
);

-- The business side of a conversation: a WhatsApp phone number (with its WABA), a Facebook page or an
-- Instagram professional account. external_id is what Meta puts in webhooks (phone_number_id, page id, IG id).
create table meta.accounts (
    id                    bigint generated always as identity primary key,
    project_id            bigint not null references core.projects,
    app_id                bigint references meta.apps,
    channel               text not null check (channel in ('whatsapp', 'messenger', 'instagram')),
    external_id           text not null,
    waba_id               text,
    display_phone_number  text,
    name                  text not null,
    quality_rating        text,
    -- last phone_number_quality_update event (FLAGGED, UNFLAGGED, UPGRADE, DOWNGRADE, …)
    last_quality_event    text,
    messaging_limit       text,
    status                text not null default 'active',
    created_at            timestamptz not null default now(),
    updated_at            timestamptz not null default now(),
    unique (channel, external_id),
    check (channel <> 'whatsapp' or waba_id is not null)
);
create index accounts_project_idx on meta.accounts (project_id);
create index accounts_waba_idx on meta.accounts (waba_id) where waba_id is not null;
