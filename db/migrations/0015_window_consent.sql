-- Meta's rules the product enforces: the customer-service window, consent (opt-in / opt-out) and safe initiation.

-- Messenger/Instagram HUMAN_AGENT tag: a human may answer up to 7 days after the customer's last message, where the
-- project enables it (Meta grants the permission per app; the project owner says whether they use it).
-- default_language: the customer's language when the contact has none, for picking a template's language.
alter table core.projects
    add column human_agent_tag boolean not null default false,
    add column default_language text not null default 'en' check (default_language ~ '^[a-z]{2,3}(_[A-Z]{2})?$');

-- The customer's language (Meta template language code: en, es, en_US, pt_BR…), set by an agent or an import.
alter table chat.contacts add column language text check (language ~ '^[a-z]{2,3}(_[A-Z]{2})?$');

-- Meta answered 131047 (re-engagement) on a send: the window is closed whatever our clock says, until the customer
-- writes again (a later last_inbound_at reopens it).
alter table chat.conversations add column window_closed_at timestamptz;

-- Consent history: every opt-in and opt-out, never updated, so who/when/why stays visible. The state is the latest
-- event for the contact (a contact is per channel) on the account, or on every account when account_id is null.
-- scope 'marketing': Meta's 131050 (the customer stopped marketing messages) withdraws marketing only.
create table chat.consent_events (
    id           bigint generated always as identity primary key,
    project_id   bigint not null references core.projects,
    contact_id   bigint not null references chat.contacts,
    account_id   bigint references meta.accounts,
    scope        text not null default 'all' check (scope in ('all', 'marketing')),
    action       text not null check (action in ('opt_in', 'opt_out')),
    source       text not null check (source in ('agent', 'import', 'api', 'keyword', 'meta_error')),
    evidence     text check (length(evidence) <= 1000),
    message_id   bigint references chat.messages,
    user_id      bigint references core.users,
    created_at   timestamptz not null default now()
);
create index consent_events_contact_idx on chat.consent_events (contact_id, id desc);

-- Whole-message keywords that opt a customer out (or back in), per project; a project without rows uses the
-- defaults of chat.consent_keyword_defaults(). Stored normalized (lower case, accents folded).
create table chat.consent_keywords (
    project_id  bigint not null references core.projects,
    keyword     text not null check (length(keyword) between 1 and 40),
    action      text not null check (action in ('opt_in', 'opt_out')),
    primary key (project_id, keyword)
);

-- Meta's refusals tied to its messaging rules (window, templates, marketing caps and opt-outs), one row per failed
-- message and code, so a supervisor can ask "which templates were paused last week" without scanning messages.
create table chat.meta_rule_errors (
    id               bigint generated always as identity primary key,
    project_id       bigint not null references core.projects,
    conversation_id  bigint not null references chat.conversations,
    message_id       bigint not null references chat.messages,
    code             integer not null,
    title            text,
    occurred_at      timestamptz not null default now(),
    unique (message_id, code)
);
create index meta_rule_errors_project_idx on chat.meta_rule_errors (project_id, occurred_at desc);

-- Starting a conversation with a customer, and recording their consent.
insert into core.role_permissions (role, permission)
select r.role, p.permission
from (values
    ('agent', 'conversations.initiate'), ('supervisor', 'conversations.initiate'), ('admin', 'conversations.initiate'),
    ('agent', 'consent.record'), ('supervisor', 'consent.record'), ('admin', 'consent.record')
) as p(role, permission) join (select name as role from core.roles) r using (role)
on conflict do nothing;
