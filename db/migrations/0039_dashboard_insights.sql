-- Dashboard insights (issue 16's "Wisdom", docs/dashboards.md § Insights): rules over the rollups answer at request
-- time (466_dashboards_insights.sql); the AI provider's insights for one period and filter are asked by the Worker on
-- request and kept here, so a console reads them without calling the model.

-- One insight as the rule functions return it: the link is the caller's filter narrowed to account/channel/queue.
create type ops.dash_insight as (
    kind        text,
    severity    text,
    action      text,
    tile        text,
    codes       jsonb,
    figures     jsonb,
    account_id  bigint,
    channel     text,
    queue_id    bigint,
    score       double precision
);

-- AI insights are audited in bot.ai_turns under their own purpose (no conversation).
alter table bot.ai_turns drop constraint ai_turns_purpose_check;
alter table bot.ai_turns add constraint ai_turns_purpose_check
    check (purpose in ('agent', 'test', 'suggest', 'summary', 'autofill', 'classify', 'describe', 'transcribe', 'embed', 'insights'));

-- One AI run per project, period and filter (filter_key: ops.dash_filter_key): requested from the console, claimed by
-- a Worker under a lease. status: pending (asked, or being worked), done (insights kept), failed (the provider failed
-- past the attempts), skipped (no provider, turned off, or the day's budget spent: the console shows rules only).
create table ops.dash_insight_runs (
    id               bigint generated always as identity primary key,
    project_id       bigint not null references core.projects,
    day_from         date not null,
    day_to           date not null,
    filter_key       text not null,
    filter           jsonb not null,
    status           text not null default 'pending' check (status in ('pending', 'done', 'failed', 'skipped')),
    requested_by     bigint references core.users,
    requested_at     timestamptz not null default now(),
    locked_by        text,
    locked_until     timestamptz,
    attempt_count    int not null default 0,
    next_attempt_at  timestamptz not null default now(),
    last_error       text,
    insights         jsonb,
    turn_id          bigint references bot.ai_turns,
    generated_at     timestamptz,
    unique (project_id, day_from, day_to, filter_key)
);
create index dash_insight_runs_pending_idx on ops.dash_insight_runs (next_attempt_at) where status = 'pending';
