-- WhatsApp message templates, per project and WhatsApp Business Account (WABA). A template is written in the console,
-- submitted to Meta by the Worker (lease columns, as ops.outbox), reviewed by Meta, and kept in sync by webhooks
-- and a periodic listing. Only an APPROVED template may be sent.

-- Supervisors and admins write and delete templates; agents read the approved ones of their project to send them.
insert into core.role_permissions (role, permission)
select r.role, p.permission
from (values ('supervisor', 'templates.manage'), ('admin', 'templates.manage')) as p(role, permission)
join (select name as role from core.roles) r using (role)
on conflict do nothing;

create table meta.templates (
    id                 bigint generated always as identity primary key,
    project_id         bigint not null references core.projects,
    -- The WhatsApp number it was created from; the template itself belongs to the number's WABA, so every number
    -- of that WABA may send it (waba_id is copied here: an account's WABA never changes under a template).
    account_id         bigint not null references meta.accounts,
    waba_id            text not null,
    name               text not null check (name ~ '^[a-z0-9_]+$' and length(name) <= 512),
    language           text not null,
    category           text not null check (category in ('MARKETING', 'UTILITY', 'AUTHENTICATION')),
    parameter_format   text not null default 'positional' check (parameter_format in ('positional', 'named')),
    -- Meta's shape: [{type: HEADER|BODY|FOOTER|BUTTONS, …}], as POSTed to /{waba}/message_templates.
    components         jsonb not null,
    -- Where the console's autofill takes each variable from (variable key → contact.name, contact.first_name,
    -- contact.phone, attribute:<key>, last_order). Keys: body variables by number or name, 'header', 'button.<i>'.
    variable_sources   jsonb not null default '{}',
    -- Local states in lowercase (pending_submission, submit_failed, deleted); Meta's as Meta spells them.
    status             text not null default 'pending_submission' check (status in (
                           'pending_submission', 'submit_failed', 'deleted',
                           'PENDING', 'APPROVED', 'REJECTED', 'PAUSED', 'DISABLED', 'IN_APPEAL', 'PENDING_DELETION',
                           'LIMIT_EXCEEDED', 'ARCHIVED')),
    rejected_reason    text,
    -- Meta's words: the error of a failed submission, or the rejection's explanation.
    status_detail      text,
    -- When the applied status happened (webhook entry time, or the sync's clock): an older event is ignored.
    status_at          timestamptz not null default now(),
    quality_score      text not null default 'UNKNOWN' check (quality_score in ('GREEN', 'YELLOW', 'RED', 'UNKNOWN')),
    quality_at         timestamptz,
    meta_template_id   text,
    created_by         bigint references core.users,
    created_at         timestamptz not null default now(),
    updated_at         timestamptz not null default now(),
    submitted_at       timestamptz,
    -- The Worker's queue: 'submit' or 'delete' while something must be done at Meta, null otherwise.
    pending_action     text check (pending_action in ('submit', 'delete')),
    next_attempt_at    timestamptz not null default now(),
    locked_by          text,
    locked_until       timestamptz,
    attempt_count      integer not null default 0,
    last_error         text
);
-- One live template per WABA, name and language (Meta's own rule, error 2388024); a deleted one frees the name.
create unique index templates_waba_name_language_key on meta.templates (waba_id, name, language) where status <> 'deleted';
create index templates_project_idx on meta.templates (project_id, status, name);
create index templates_meta_id_idx on meta.templates (waba_id, meta_template_id) where meta_template_id is not null;
create index templates_due_idx on meta.templates (next_attempt_at, id) where pending_action is not null;

-- Every status change of a template: who or what changed it (an agent, the Worker's submission, a webhook, the
-- periodic sync), when it happened at Meta, and why.
create table meta.template_status_history (
    id             bigint generated always as identity primary key,
    project_id     bigint not null references core.projects,
    template_id    bigint not null references meta.templates,
    status         text not null,
    quality_score  text,
    reason         text,
    source         text not null check (source in ('console', 'worker', 'webhook', 'sync')),
    actor_user_id  bigint references core.users,
    occurred_at    timestamptz not null,
    created_at     timestamptz not null default now()
);
create index template_status_history_template_idx on meta.template_status_history (template_id, id);
