-- Node-flow chatbots (issue 15, docs/chatbots.md): flows with a draft and immutable published versions, where they
-- start (per Meta account and entry point), the per-conversation sessions the Worker runs (lease-based, like the AI
-- queue), the audit of every step, and the map of legacy ids to imported flows.

-- A flow. draft: the editor's document (Contracts.Bots.FlowDefinition), saved as it is typed; published_version_id: what
-- new sessions run (a running session finishes on the version it started with).
create table bot.flows (
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

create table bot.flow_versions (
    id              bigint generated always as identity primary key,
    project_id      bigint not null references core.projects,
    flow_id         bigint not null references bot.flows,
    version         int not null,
    definition      jsonb not null,
    published_at    timestamptz not null default now(),
    published_by    bigint references core.users,
    unique (flow_id, version)
);
alter table bot.flows add constraint flows_published_fk foreign key (published_version_id) references bot.flow_versions;

-- Where a flow starts: per Meta account and entry point. new_conversation: the first customer message of a new or
-- reopened conversation; keyword: a customer message holding one of keywords_folded (whole words, lower case, accents
-- removed) while no session, agent or person holds the conversation; referral: a message that came from an ad or link
-- (referral, optionally only this source id / ref); out_of_hours: as new_conversation, outside business hours;
-- ai_handoff: an AI agent on this account hands off and the flow takes the conversation instead of people.
create table bot.flow_activations (
    id               bigint generated always as identity primary key,
    project_id       bigint not null references core.projects,
    flow_id          bigint not null references bot.flows,
    account_id       bigint not null references meta.accounts,
    entry            text not null check (entry in ('new_conversation', 'keyword', 'referral', 'out_of_hours', 'ai_handoff')),
    keywords         text[] not null default '{}',
    keywords_folded  text[] not null default '{}',
    referral         text check (length(referral) <= 200),
    enabled          boolean not null default true,
    created_at       timestamptz not null default now()
);
create index flow_activations_account_idx on bot.flow_activations (account_id) where enabled;

-- A conversation's session with a flow (at most one active per conversation). node_id/phase: where it is — run (run
-- node_id now), input (waiting for the customer's answer at node_id), timer (a wait node: run node_id at due_at).
-- last_message_id: the customer messages up to here are answered (exactly one reply per message, whichever Worker
-- runs it). due_at: the queue (the Worker claims due sessions with a lease); for a session waiting for input it is
-- expires_at, so expiry is the same claim. seq numbers the steps: a step's sends have client ids flow:<id>:<seq>:<n>,
-- so a step retried after a Worker died never sends twice. The status change (who, when, why) is the rail's.
create table bot.flow_sessions (
    id                bigint generated always as identity primary key,
    project_id        bigint not null references core.projects,
    conversation_id   bigint not null references chat.conversations,
    flow_id           bigint not null references bot.flows,
    version_id        bigint not null references bot.flow_versions,
    entry             text not null,
    status            text not null default 'active'
                      check (status in ('active', 'completed', 'handed_off', 'off', 'expired', 'failed')),
    reason            text,
    node_id           text,
    phase             text not null default 'run' check (phase in ('run', 'input', 'timer')),
    variables         jsonb not null default '{}',
    retries           int not null default 0,
    steps             int not null default 0,
    seq               int not null default 0,
    last_message_id   bigint not null default 0,
    started_at        timestamptz not null default now(),
    expires_at        timestamptz not null,
    changed_at        timestamptz not null default now(),
    changed_by        bigint references core.users,
    ended_at          timestamptz,
    due_at            timestamptz,
    locked_by         text,
    locked_until      timestamptz,
    attempt_count     int not null default 0,
    last_error        text
);
create unique index flow_sessions_live_idx on bot.flow_sessions (conversation_id) where status = 'active';
create index flow_sessions_conversation_idx on bot.flow_sessions (conversation_id, id desc);
create index flow_sessions_due_idx on bot.flow_sessions (due_at) where due_at is not null and status = 'active';
create index flow_sessions_flow_idx on bot.flow_sessions (flow_id, started_at);

-- Every step, auditable: the node, what the customer sent (message id), what the bot did (sent message ids, the
-- outcome), so a session can be replayed and analytics can say where sessions stop.
create table bot.flow_steps (
    id              bigint generated always as identity primary key,
    project_id      bigint not null references core.projects,
    session_id      bigint not null references bot.flow_sessions,
    seq             int not null,
    at              timestamptz not null default now(),
    input_message_id bigint,
    path            text[] not null default '{}',
    outcome         text not null,
    message_ids     bigint[] not null default '{}',
    overhead_ms     int,
    unique (session_id, seq)
);

-- Flows imported from a previous system: legacy id → flow, so a second import updates rather than duplicates.
create table bot.flow_legacy_ids (
    project_id  bigint not null references core.projects,
    legacy_id   text not null check (length(legacy_id) between 1 and 200),
    flow_id     bigint not null references bot.flows,
    content_sha256 text not null,
    imported_at timestamptz not null default now(),
    primary key (project_id, legacy_id)
);

-- Messages written by a flow say so (the thread shows the bot, not a person).
alter table chat.messages add column sent_by_flow_id bigint references bot.flows;

insert into core.role_permissions (role, permission)
select r.role, p.permission
from (values
    ('agent', 'bots.read'), ('supervisor', 'bots.read'), ('admin', 'bots.read'), ('dev', 'bots.read'),
    ('admin', 'bots.manage'), ('dev', 'bots.manage'),
    ('supervisor', 'bots.control'), ('admin', 'bots.control')
) as p(role, permission) join (select name as role from core.roles) r using (role)
on conflict do nothing;
