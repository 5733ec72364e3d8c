-- Agent assist and classification (issue 14). People ask for help in the console (reply suggestions, a summary,
-- template variables filled from the customer's context); the Worker, the only process that calls the provider,
-- answers each request and pushes it to whoever asked. Classification puts each conversation under one of the
-- project's labels, with a confidence, on resolve, on demand or as a resumable backfill over a date range.

create table bot.ai_assists (
    id               bigint generated always as identity primary key,
    project_id       bigint not null references core.projects,
    conversation_id  bigint not null references chat.conversations,
    kind             text not null check (kind in ('suggest', 'summary', 'autofill')),
    template_id      bigint references meta.templates,
    requested_by     bigint not null references core.users,
    requested_at     timestamptz not null default now(),
    status           text not null default 'pending' check (status in ('pending', 'done', 'failed')),
    result           jsonb,
    error            text,
    locked_by        text,
    locked_until     timestamptz,
    attempt_count    int not null default 0,
    next_attempt_at  timestamptz not null default now(),
    done_at          timestamptz,
    check (kind <> 'autofill' or template_id is not null)
);
create index ai_assists_pending_idx on bot.ai_assists (next_attempt_at) where status = 'pending';
create index ai_assists_conversation_idx on bot.ai_assists (conversation_id, id desc);
-- A person's assists still waiting (bot.request_assist refuses a sixth: a double-click or a stuck console must not
-- queue paid model calls).
create index ai_assists_requester_pending_idx on bot.ai_assists (requested_by) where status = 'pending';

create table classify.labels (
    id           bigint generated always as identity primary key,
    project_id   bigint not null references core.projects,
    name         text not null check (name ~ '^[a-z0-9][a-z0-9_-]{0,39}$'),
    description  text not null check (length(description) between 1 and 500),
    active       boolean not null default true,
    created_at   timestamptz not null default now(),
    unique (project_id, name)
);

-- A job: kind on_resolve (one conversation, queued when it is resolved and the project classifies on resolve),
-- on_demand (the conversations a person asked for), backfill (the project's conversations whose last message falls in
-- [range_from, range_to), walked by id: cursor_id is the last one done, so a job survives a Worker's death).
create table classify.jobs (
    id                bigint generated always as identity primary key,
    project_id        bigint not null references core.projects,
    kind              text not null check (kind in ('on_resolve', 'on_demand', 'backfill')),
    conversation_ids  bigint[],
    range_from        timestamptz,
    range_to          timestamptz,
    status            text not null default 'queued' check (status in ('queued', 'running', 'done', 'failed', 'cancelled')),
    total             int,
    done              int not null default 0,
    failed            int not null default 0,
    cursor_id         bigint not null default 0,
    -- Failed passes in a row (the provider down); a pass that classifies something resets it. At the Worker's limit
    -- the job fails with its last error rather than retry forever.
    attempt_count     int not null default 0,
    requested_by      bigint references core.users,
    requested_at      timestamptz not null default now(),
    finished_at       timestamptz,
    error             text,
    locked_by         text,
    locked_until      timestamptz,
    next_attempt_at   timestamptz not null default now(),
    check (kind <> 'backfill' or (range_from is not null and range_to is not null and range_from < range_to)),
    check (kind = 'backfill' or conversation_ids is not null)
);
create index classify_jobs_due_idx on classify.jobs (next_attempt_at) where status in ('queued', 'running');

-- Every classification made (history); the conversation's current one is its latest. label_id null: the model said no
-- label fits ("none"). A label the model made up is never a result: the job counts it as failed and the model turn
-- (turn_id's bot.ai_turns row, purpose classify) keeps what it said with error unknown_label.
create table classify.results (
    id               bigint generated always as identity primary key,
    project_id       bigint not null references core.projects,
    conversation_id  bigint not null references chat.conversations,
    label_id         bigint references classify.labels,
    confidence       numeric(4, 3) not null,
    job_id           bigint references classify.jobs,
    turn_id          bigint references bot.ai_turns,
    classified_at    timestamptz not null default now()
);
create index classify_results_conversation_idx on classify.results (conversation_id, id desc);
create index classify_results_project_idx on classify.results (project_id, classified_at desc);
-- A job records a conversation once: a Worker that lost its lease (or a replay after a crash) cannot add a second.
create unique index classify_results_job_conversation_idx on classify.results (job_id, conversation_id) where job_id is not null;
create index classify_results_label_idx on classify.results (label_id) where label_id is not null;

alter table core.projects add column classify_on_resolve boolean not null default false;

-- Asking the AI for help on a conversation one works costs the project model calls: a permission of its own, which the
-- people who work conversations have by default.
insert into core.role_permissions (role, permission)
select r.role, p.permission
from (values ('agent', 'ai.assist'), ('supervisor', 'ai.assist'), ('admin', 'ai.assist')) as p(role, permission)
join (select name as role from core.roles) r using (role)
on conflict do nothing;
