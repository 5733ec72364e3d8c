-- The agent editor's test chat (issue 14): an admin types as a customer and the agent's draft (or its published
-- version) answers through the Worker and the project's provider, as it would a customer, but nothing is sent and no
-- tool that writes runs. The definition is copied when the run is asked for, so the run answers exactly what the
-- admin was looking at even if the draft is saved again while it runs.

create table bot.ai_test_runs (
    id               bigint generated always as identity primary key,
    project_id       bigint not null references core.projects,
    agent_id         bigint not null references bot.ai_agents,
    version_id       bigint references bot.ai_agent_versions,
    definition       jsonb not null,
    messages         jsonb not null check (jsonb_typeof(messages) = 'array'),
    requested_by     bigint not null references core.users,
    created_at       timestamptz not null default now(),
    status           text not null default 'pending' check (status in ('pending', 'running', 'done', 'failed')),
    action           text,
    replies          jsonb not null default '[]',
    handoff_reason   text,
    tool_calls       jsonb not null default '[]',
    measures         jsonb not null default '{}',
    citations        jsonb not null default '[]',
    confidence       numeric(4, 3),
    error            text,
    tokens_in        int not null default 0,
    tokens_out       int not null default 0,
    model_ms         int,
    locked_by        text,
    locked_until     timestamptz,
    attempt_count    int not null default 0,
    finished_at      timestamptz
);
create index ai_test_runs_pending_idx on bot.ai_test_runs (created_at) where status in ('pending', 'running');
create index ai_test_runs_agent_idx on bot.ai_test_runs (agent_id, id desc);
