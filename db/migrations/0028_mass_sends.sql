-- Controlled mass sends and number health (issue 13).

-- The project's time zone (IANA name): a campaign's schedule is entered and shown in it. mass_requires_opt_in: a
-- recipient without a recorded opt-in is excluded from campaigns (Meta requires opt-in for business-initiated
-- messages; a project that collects it elsewhere may leave this off).
alter table core.projects
    add column time_zone text not null default 'UTC' check (length(time_zone) between 1 and 64),
    add column mass_requires_opt_in boolean not null default false;

-- The business portfolio a number belongs to (Meta's messaging limit is the portfolio's, shared by all its numbers);
-- null: unknown yet, the WABA stands for it. health_*: the latest number-health snapshot, for reads that must not
-- join the history (initiation's pre-flight, the campaign loop).
alter table meta.accounts
    add column business_id text,
    add column health_score int,
    add column health_level text check (health_level in ('healthy', 'at_risk', 'critical')),
    add column health_at timestamptz,
    -- account_update restrictions as Meta states them (RESTRICTED_BIZ_INITIATED_MESSAGING…, SCHEDULE_FOR_DISABLE,
    -- DISABLED), with when they lapse; cleared by REINSTATE or when the expiration passes.
    add column restriction text,
    add column restriction_until timestamptz;

-- A campaign: one approved template sent by one WhatsApp number to an audience, at a rate, after a second person's
-- approval. revision counts edits; approved_revision is the revision the approver saw (an edit after approval sends
-- it back to draft). needs_ack: it stopped itself (number health, a Meta refusal that harms the number); resuming
-- needs a supervisor to acknowledge the reason.
create table mass.campaigns (
    id                    bigint generated always as identity primary key,
    project_id            bigint not null references core.projects,
    account_id            bigint not null references meta.accounts,
    template_id           bigint not null references meta.templates,
    name                  text not null check (length(name) between 1 and 120),
    status                text not null default 'draft' check (status in (
                              'draft', 'submitted', 'approved', 'scheduled', 'sending', 'paused', 'completed', 'stopped', 'cancelled')),
    revision              int not null default 1,
    -- Template variable key → {"column": "<csv header>"} | {"source": "contact.name"|"contact.first_name"|"contact.phone"|"attribute:<k>"} | {"value": "…"}.
    -- A key without an entry reads the CSV column of the same name.
    variables             jsonb not null default '{}',
    rate_per_second       numeric not null default 10 check (rate_per_second > 0 and rate_per_second <= 1000),
    daily_cap             int check (daily_cap > 0),
    -- 131049 (Meta's per-user marketing cap): try that recipient again no earlier than 24 h later, or drop them.
    marketing_limit_policy text not null default 'reschedule' check (marketing_limit_policy in ('reschedule', 'drop')),
    scheduled_at          timestamptz,
    -- Local hours in the recipient's country (its time zone from the number); both null: any time.
    window_start          time,
    window_end            time,
    created_by            bigint references core.users,
    created_at            timestamptz not null default now(),
    updated_at            timestamptz not null default now(),
    submitted_by          bigint references core.users,
    submitted_at          timestamptz,
    approved_by           bigint references core.users,
    approved_at           timestamptz,
    approved_revision     int,
    review_note           text check (length(review_note) <= 1000),
    started_at            timestamptz,
    completed_at          timestamptz,
    paused_at             timestamptz,
    paused_by             bigint references core.users,
    stop_code             text,
    stop_reason           text,
    needs_ack             boolean not null default false,
    acknowledged_by       bigint references core.users,
    acknowledged_at       timestamptz,
    audience_uploaded_at  timestamptz,
    -- The loop's own words on why it is not sending faster (budget exhausted, daily cap, outside the window…).
    planner_note          text,
    check ((window_start is null) = (window_end is null))
);
create index campaigns_project_idx on mass.campaigns (project_id, id desc);
create index campaigns_active_idx on mass.campaigns (account_id) where status in ('scheduled', 'sending');

-- One row per audience row (a CSV line or a contact): the validation report and the send's ledger in one place.
-- excluded rows (reason says why) are never sent. Exactly one send per (campaign, recipient): the row is leased like
-- an outbox row, send_started_at marks a request under way, and message_id is the chat message it became.
create table mass.recipients (
    id               bigint generated always as identity primary key,
    campaign_id      bigint not null references mass.campaigns on delete cascade,
    project_id       bigint not null references core.projects,
    row_number       int,
    source           text not null check (source in ('csv', 'contacts')),
    phone_raw        text check (length(phone_raw) <= 64),
    wa_id            text,
    name             text check (length(name) <= 200),
    language         text,
    time_zone        text,
    variables        jsonb not null default '{}',
    -- The template in the recipient's language (the campaign's template name on the same WABA), else the campaign's.
    template_id      bigint references meta.templates,
    contact_id       bigint,
    status           text not null default 'pending' check (status in (
                         'excluded', 'pending', 'sending', 'accepted', 'held', 'sent', 'delivered', 'read', 'failed', 'skipped')),
    reason           text,
    next_attempt_at  timestamptz not null default now(),
    locked_by        text,
    locked_until     timestamptz,
    attempt_count    int not null default 0,
    -- Messages made for this recipient: a 131049 reschedule sends a new one a day later (client id mass:<id>:<n>).
    send_count       int not null default 0,
    send_started_at  timestamptz,
    last_error       text,
    message_id       bigint,
    conversation_id  bigint,
    provider_message_id text,
    sent_at          timestamptz,
    delivered_at     timestamptz,
    read_at          timestamptz,
    failed_at        timestamptz,
    replied_at       timestamptz,
    error_code       int,
    error_title      text
);
-- Dedupe: one live row per number per campaign (a later duplicate is excluded with reason 'duplicate').
create unique index recipients_campaign_wa_key on mass.recipients (campaign_id, wa_id) where status <> 'excluded';
create index recipients_campaign_idx on mass.recipients (campaign_id, id);
create index recipients_due_idx on mass.recipients (campaign_id, next_attempt_at, id) where status in ('pending', 'sending');
create index recipients_message_idx on mass.recipients (message_id) where message_id is not null;
create index recipients_reply_idx on mass.recipients (conversation_id) where replied_at is null and conversation_id is not null;

-- Unique recipients a portfolio reached outside a service window (Meta's messaging limit counts them in a moving 24 h).
create table mass.limit_recipients (
    portfolio  text not null,
    wa_id      text not null,
    last_at    timestamptz not null,
    primary key (portfolio, wa_id)
);
create index limit_recipients_recent_idx on mass.limit_recipients (portfolio, last_at);

-- Number health, from aggregates kept as events arrive (never from scans of messages): per number and hour, what its
-- outbound messages became, and failures by Meta's code.
create table ops.number_health_counters (
    account_id  bigint not null references meta.accounts,
    hour        timestamptz not null,
    sent        int not null default 0,
    delivered   int not null default 0,
    read        int not null default 0,
    failed      int not null default 0,
    opt_outs    int not null default 0,
    primary key (account_id, hour)
);
create table ops.number_health_failures (
    account_id  bigint not null references meta.accounts,
    hour        timestamptz not null,
    code        int not null,
    n           int not null default 0,
    primary key (account_id, hour, code)
);
-- The history: one row per snapshot (every few minutes, and on every signal that can change the level).
create table ops.number_health_snapshots (
    id          bigint generated always as identity primary key,
    project_id  bigint not null references core.projects,
    account_id  bigint not null references meta.accounts,
    taken_at    timestamptz not null default now(),
    score       int not null check (score between 0 and 100),
    level       text not null check (level in ('healthy', 'at_risk', 'critical')),
    breakdown   jsonb not null,
    trigger     text not null
);
create index number_health_snapshots_account_idx on ops.number_health_snapshots (account_id, id desc);

-- user_preferences webhooks (a customer's stop/resume of marketing messages in WhatsApp) are a source of consent.
alter table chat.consent_events drop constraint consent_events_source_check;
alter table chat.consent_events add constraint consent_events_source_check
    check (source in ('agent', 'import', 'api', 'keyword', 'meta_error', 'meta_preference'));

insert into core.role_permissions (role, permission)
select r.role, p.permission
from (values
    ('supervisor', 'campaigns.read'), ('admin', 'campaigns.read'), ('dev', 'campaigns.read'),
    ('supervisor', 'campaigns.manage'), ('admin', 'campaigns.manage'),
    ('supervisor', 'campaigns.approve'), ('admin', 'campaigns.approve'),
    ('agent', 'health.read'), ('supervisor', 'health.read'), ('admin', 'health.read'), ('dev', 'health.read')
) as p(role, permission) join (select name as role from core.roles) r using (role)
on conflict do nothing;
