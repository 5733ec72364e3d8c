-- Meta apps and accounts from the console (issue 12).

-- An app registered by a project's admin belongs to that project (null: the platform's, e.g. the demo's). Its secret
-- can be rotated with an overlap: until previous_secret_until, signatures made with the previous secret still verify.
-- last_verified_at: Meta's subscription handshake succeeded; last_signed_event_at: a signed POST was accepted.
alter table meta.apps
    add column project_id bigint references core.projects,
    add column previous_secret_enc bytea,
    add column previous_secret_until timestamptz,
    add column last_verified_at timestamptz,
    add column last_signed_event_at timestamptz,
    add column updated_at timestamptz not null default now();
create index apps_project_idx on meta.apps (project_id);
comment on column meta.apps.previous_secret_enc is 'v2.<key id>.<…>, associated data meta.apps/<meta_app_id>/previous_app_secret';

-- An account connected from the console is validated by the Worker against the Graph API (pending → valid), and
-- marked needs_attention when Meta refuses its token (190) or the ids do not belong together; its sends pause
-- (the outbox does not claim them) until a new token validates. Accounts made before this are valid.
alter table meta.accounts
    add column validation_status text not null default 'valid' check (validation_status in ('pending', 'valid', 'needs_attention')),
    add column validation_error text,
    add column validated_at timestamptz,
    add column validation_locked_until timestamptz,
    add column validation_attempts int not null default 0,
    add column verified_name text,
    add column throughput_level text,
    add column subscribed_at timestamptz;
create index accounts_pending_validation on meta.accounts (id) where validation_status = 'pending';
