-- AI agents on OpenAI (issue 14): the project's provider, agents and their published versions, where they answer,
-- the AI state of each conversation (the AI queue), every model turn, risky tool calls waiting for a person, the
-- manual (documents and chunks for retrieval), media understood by AI and the day's spend. docs/ai-agents.md.

-- Business hours in the project's time zone: {"mon": [["09:00","18:00"]], …} (a day without entry is closed); null:
-- always open. Activations "in hours" / "out of hours" read it.
alter table core.projects add column business_hours jsonb;

-- The project's OpenAI-compatible provider. api_key_enc: v2 envelope (Platform.Secrets), associated data
-- bot.ai_providers/<project_id>/api_key. prices: model → {"input": usd per 1M tokens, "output": …, "minute": usd per
-- audio minute}; a model without a price costs 0 and is flagged in the turn. daily_budget_usd: AI work stops for the
-- rest of the project's day (its time zone) once spent, with an alert.
create table bot.ai_providers (
    project_id            bigint primary key references core.projects,
    base_url              text not null check (base_url ~ '^https?://' and length(base_url) <= 500),
    api_key_enc           bytea,
    chat_model            text not null check (length(chat_model) between 1 and 100),
    vision_model          text check (length(vision_model) between 1 and 100),
    transcription_model   text check (length(transcription_model) between 1 and 100),
    embedding_model       text check (length(embedding_model) between 1 and 100),
    embedding_dimensions  int check (embedding_dimensions between 16 and 4096),
    prices                jsonb not null default '{}',
    daily_budget_usd      numeric(12, 4) check (daily_budget_usd >= 0),
    enabled               boolean not null default true,
    updated_at            timestamptz not null default now(),
    updated_by            bigint references core.users
);

-- An agent. draft: the editor's document (persona, measures, tools, handoff rules — shape in docs/ai-agents.md),
-- saved as it is typed; published_version_id: what runs. A test chat in the editor runs the draft.
create table bot.ai_agents (
    id                    bigint generated always as identity primary key,
    project_id            bigint not null references core.projects,
    name                  text not null check (length(name) between 1 and 80),
    draft                 jsonb not null,
    draft_revision        int not null default 1,
    published_version_id  bigint,
    archived_at           timestamptz,
    created_at            timestamptz not null default now(),
    created_by            bigint references core.users,
    updated_at            timestamptz not null default now(),
    unique (project_id, name)
);

-- A published version: immutable; turns name the version that produced them.
create table bot.ai_agent_versions (
    id              bigint generated always as identity primary key,
    project_id      bigint not null references core.projects,
    agent_id        bigint not null references bot.ai_agents,
    version         int not null,
    definition      jsonb not null,
    published_at    timestamptz not null default now(),
    published_by    bigint references core.users,
    unique (agent_id, version)
);
alter table bot.ai_agents add constraint ai_agents_published_fk
    foreign key (published_version_id) references bot.ai_agent_versions;

-- Secrets of an agent's custom HTTP tools (bearer token, API key, basic password), never in the definition:
-- associated data bot.ai_tool_secrets/<agent_id>/<tool>.
create table bot.ai_tool_secrets (
    agent_id    bigint not null references bot.ai_agents,
    tool        text not null check (tool ~ '^[a-zA-Z0-9_-]{1,64}$'),
    project_id  bigint not null references core.projects,
    secret_enc  bytea not null,
    updated_at  timestamptz not null default now(),
    primary key (agent_id, tool)
);

-- Where an agent answers. Null account/queue/channel: any. hours: always | in_hours | out_of_hours (the queue's
-- business hours, else the project's). first: bot (the agent answers), person (a person first; the agent only when
-- a person hands it over), ask (the customer chooses, with reply buttons). The most specific enabled match wins.
create table bot.ai_activations (
    id          bigint generated always as identity primary key,
    project_id  bigint not null references core.projects,
    agent_id    bigint not null references bot.ai_agents,
    account_id  bigint references meta.accounts,
    queue_id    bigint references core.queues,
    channel     text check (channel in ('whatsapp', 'instagram', 'messenger')),
    hours       text not null default 'always' check (hours in ('always', 'in_hours', 'out_of_hours')),
    first       text not null default 'bot' check (first in ('bot', 'person', 'ask')),
    enabled     boolean not null default true,
    created_at  timestamptz not null default now()
);
create index ai_activations_project_idx on bot.ai_activations (project_id) where enabled;

-- The AI state of a conversation, and the AI queue (lease columns). state: active (the agent answers), waiting
-- (asked the customer to choose bot or person, or waits for a risky tool's approval), handed_off (to a person, with
-- the reason), off (a person took over, or turned it off), ended (the conversation was resolved: the next customer
-- message starts a new episode, by the activations of that moment). due_at: the debounce — a burst of customer messages is
-- answered once, after the last one plus the debounce. episode_started_at: the context starts here; a resolved
-- conversation that is written to again starts a new episode (never the old thread: chatwoot #15068).
create table bot.ai_conversations (
    conversation_id       bigint primary key references chat.conversations,
    project_id            bigint not null references core.projects,
    agent_id              bigint not null references bot.ai_agents,
    version_id            bigint references bot.ai_agent_versions,
    state                 text not null check (state in ('active', 'waiting', 'handed_off', 'off', 'ended')),
    state_reason          text,
    state_changed_at      timestamptz not null default now(),
    state_changed_by      bigint references core.users,
    episode_started_at    timestamptz not null default now(),
    turns                 int not null default 0,
    measures              jsonb not null default '{}',
    last_answered_message_id bigint,
    due_at                timestamptz,
    locked_by             text,
    locked_until          timestamptz,
    attempt_count         int not null default 0,
    last_error            text,
    updated_at            timestamptz not null default now()
);
create index ai_conversations_due_idx on bot.ai_conversations (due_at) where due_at is not null;
create index ai_conversations_live_idx on bot.ai_conversations (conversation_id) where state in ('active', 'waiting');

-- Every model call, auditable: the model, tokens, latency (the model's and the Worker's own), cost, the envelope the
-- model returned, the tools it called with their results, and the action taken.
create table bot.ai_turns (
    id               bigint generated always as identity primary key,
    project_id       bigint not null references core.projects,
    conversation_id  bigint references chat.conversations,
    agent_id         bigint references bot.ai_agents,
    version_id       bigint references bot.ai_agent_versions,
    purpose          text not null check (purpose in ('agent', 'test', 'suggest', 'summary', 'autofill', 'classify',
                                                      'describe', 'transcribe', 'embed')),
    model            text not null,
    started_at       timestamptz not null default now(),
    tokens_in        int not null default 0,
    tokens_out       int not null default 0,
    model_ms         int,
    overhead_ms      int,
    cost_usd         numeric(12, 6) not null default 0,
    priced           boolean not null default true,
    action           text,
    confidence       numeric(4, 3),
    envelope         jsonb,
    tool_calls       jsonb not null default '[]',
    citations        jsonb not null default '[]',
    message_ids      bigint[] not null default '{}',
    repaired         boolean not null default false,
    error            text
);
create index ai_turns_conversation_idx on bot.ai_turns (conversation_id, id desc);
create index ai_turns_project_idx on bot.ai_turns (project_id, started_at desc);

-- A risky tool the agent wants to run: it waits for a person's approval in the console.
create table bot.ai_tool_approvals (
    id               bigint generated always as identity primary key,
    project_id       bigint not null references core.projects,
    conversation_id  bigint not null references chat.conversations,
    turn_id          bigint references bot.ai_turns,
    tool             text not null,
    arguments        jsonb not null,
    status           text not null default 'pending' check (status in ('pending', 'approved', 'rejected', 'done', 'failed')),
    requested_at     timestamptz not null default now(),
    decided_by       bigint references core.users,
    decided_at       timestamptz,
    result           jsonb
);
create index ai_tool_approvals_pending_idx on bot.ai_tool_approvals (project_id) where status in ('pending', 'approved');

-- The manual: documents uploaded to an agent, their text in chunks, each with its full-text vector and, when the
-- provider has an embedding model, its embedding (real[]: pgvector is not on these machines, so cosine runs over the
-- few hundred chunks one agent's full-text prefilter and recency leave; docs/ai-agents.md).
create table bot.ai_documents (
    id              bigint generated always as identity primary key,
    project_id      bigint not null references core.projects,
    agent_id        bigint not null references bot.ai_agents,
    name            text not null check (length(name) between 1 and 200),
    content_type    text not null,
    size_bytes      bigint not null,
    sha256          text not null,
    content         bytea not null,
    status          text not null default 'pending' check (status in ('pending', 'ready', 'failed')),
    error           text,
    chunk_count     int not null default 0,
    uploaded_at     timestamptz not null default now(),
    uploaded_by     bigint references core.users,
    locked_by       text,
    locked_until    timestamptz,
    attempt_count   int not null default 0,
    next_attempt_at timestamptz not null default now(),
    unique (agent_id, sha256)
);
create index ai_documents_pending_idx on bot.ai_documents (next_attempt_at) where status = 'pending';

create table bot.ai_chunks (
    id           bigint generated always as identity primary key,
    project_id   bigint not null references core.projects,
    agent_id     bigint not null references bot.ai_agents,
    document_id  bigint not null references bot.ai_documents on delete cascade,
    position     int not null,
    heading      text,
    content      text not null,
    searchable   tsvector generated always as (to_tsvector('simple', coalesce(heading, '') || ' ' || content)) stored,
    embedding    real[],
    unique (document_id, position)
);
create index ai_chunks_search_idx on bot.ai_chunks using gin (searchable);
create index ai_chunks_agent_idx on bot.ai_chunks (agent_id);

-- Media understood by AI: an image's description, a voice note's transcript, a document's text, kept on the message
-- (searchable, shown under it). One job per message and kind, lease-based.
alter table chat.messages add column ai_text text, add column ai_text_kind text
    check (ai_text_kind in ('transcript', 'description', 'document'));
create table bot.ai_media_jobs (
    message_id      bigint not null references chat.messages,
    kind            text not null check (kind in ('transcript', 'description', 'document')),
    project_id      bigint not null references core.projects,
    status          text not null default 'pending' check (status in ('pending', 'done', 'failed', 'skipped')),
    locked_by       text,
    locked_until    timestamptz,
    attempt_count   int not null default 0,
    next_attempt_at timestamptz not null default now(),
    last_error      text,
    created_at      timestamptz not null default now(),
    primary key (message_id, kind)
);
create index ai_media_jobs_pending_idx on bot.ai_media_jobs (next_attempt_at) where status = 'pending';

-- The project's AI spend per day (its time zone), against the daily budget.
create table bot.ai_usage_daily (
    project_id  bigint not null references core.projects,
    day         date not null,
    cost_usd    numeric(14, 6) not null default 0,
    tokens_in   bigint not null default 0,
    tokens_out  bigint not null default 0,
    turns       int not null default 0,
    budget_alerted_at timestamptz,
    primary key (project_id, day)
);

-- Messages written by an agent say so (the thread shows the agent, not a person).
alter table chat.messages add column sent_by_ai_agent_id bigint references bot.ai_agents;

insert into core.role_permissions (role, permission)
select r.role, p.permission
from (values
    ('agent', 'ai.read'), ('supervisor', 'ai.read'), ('admin', 'ai.read'), ('dev', 'ai.read'),
    ('admin', 'ai.manage'), ('dev', 'ai.manage'),
    ('agent', 'ai.control'), ('supervisor', 'ai.control'), ('admin', 'ai.control'),
    ('supervisor', 'ai.approve_tools'), ('admin', 'ai.approve_tools')
) as p(role, permission) join (select name as role from core.roles) r using (role)
on conflict do nothing;
