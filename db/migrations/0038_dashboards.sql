-- Dashboards (issue 16, docs/dashboards.md): rollups the Worker keeps from what happened (never read from message
-- history at request time), one fact row per conversation episode so medians and p90s are exact, the history the facts
-- need that was not kept before (presence intervals, handoffs), per-queue SLA targets, funnel stages, and layouts.

-- Who may read what: everyone reads dashboards, an agent only their own figures (the Core API forces the agent
-- filter); supervisors, admins and devs read all; supervisors and admins configure funnels, SLA targets and publish a
-- queue's default layout.
insert into core.role_permissions (role, permission)
select r.role, p.permission
from (values
    ('agent', 'dashboards.read'), ('supervisor', 'dashboards.read'), ('admin', 'dashboards.read'), ('dev', 'dashboards.read'),
    ('supervisor', 'dashboards.read_all'), ('admin', 'dashboards.read_all'), ('dev', 'dashboards.read_all'),
    ('supervisor', 'dashboards.manage'), ('admin', 'dashboards.manage')
) as p(role, permission) join (select name as role from core.roles) r using (role)
on conflict do nothing;

-- The first-response target a queue's SLA attainment is measured against (business seconds); null: one hour.
alter table core.queues add column sla_first_response_seconds int check (sla_first_response_seconds between 60 and 604800);

-- Presence as intervals (core.presence only holds the current status): core.set_presence closes the open interval and
-- opens the next. An open interval of a console that went away ends at last_seen_at + 2 minutes when read, as
-- core.team_presence reads "online but unseen".
create table core.presence_intervals (
    id          bigint generated always as identity primary key,
    user_id     bigint not null references core.users,
    status      text not null check (status in ('online', 'away', 'offline')),
    started_at  timestamptz not null,
    ended_at    timestamptz
);
create index presence_intervals_user_idx on core.presence_intervals (user_id, started_at);
create unique index presence_intervals_open_idx on core.presence_intervals (user_id) where ended_at is null;
insert into core.presence_intervals (user_id, status, started_at)
select user_id, status, changed_at from core.presence where status <> 'offline';

-- Every handoff from a bot or an AI agent to people, with its reason: the AI state and the flow session keep only
-- their latest status, and a dashboard's handoff reasons must survive a resolve and a handing back.
create table ops.handoff_log (
    id               bigint generated always as identity primary key,
    project_id       bigint not null references core.projects,
    conversation_id  bigint not null references chat.conversations,
    source           text not null check (source in ('ai', 'bot')),
    reason           text not null,
    ai_agent_id      bigint,
    flow_id          bigint,
    created_at       timestamptz not null default now()
);
create index handoff_log_conversation_idx on ops.handoff_log (conversation_id, created_at);

-- Where the rollup loop is in each source table (chat.messages, chat.message_status_events, chat.conversation_events):
-- every id ≤ watermark is counted, or is listed in ops.dash_gaps (an id that was not visible when the loop passed it:
-- a transaction still in flight, or one rolled back). fresh_at: the start of the last pass that found nothing left.
create table ops.dash_cursors (
    source      text primary key check (source in ('messages', 'statuses', 'events')),
    watermark   bigint not null default 0,
    updated_at  timestamptz not null default now(),
    fresh_at    timestamptz
);
insert into ops.dash_cursors (source) values ('messages'), ('statuses'), ('events');

-- Ids passed over (lo..hi), kept until they appear (then counted) or until every transaction that could still commit
-- them has ended: horizon is the snapshot's xmax when the gap was seen; once the oldest running transaction is past it
-- and a few seconds went by, an id still missing was rolled back (or was a conflicting insert's unused default).
create table ops.dash_gaps (
    source   text not null references ops.dash_cursors,
    lo       bigint not null,
    hi       bigint not null,
    seen_at  timestamptz not null,
    horizon  xid8 not null,
    primary key (source, lo)
);

-- Messages per local hour (the project's time zone: a day is 24 of its rows, or 23/25 across DST) and every filterable
-- dimension the message itself fixes. queue_id: the conversation's queue when the message was written (its events'),
-- so a rebuild counts it where the live loop did. sender_kind: customer, person, ai, bot, campaign.
create table ops.dash_message_hours (
    project_id   bigint not null references core.projects,
    hour         timestamptz not null,
    account_id   bigint not null,
    channel      text not null,
    queue_id     bigint,
    sender_kind  text not null,
    user_id      bigint,
    ai_agent_id  bigint,
    flow_id      bigint,
    campaign_id  bigint,
    messages     bigint not null
);
create unique index dash_message_hours_key on ops.dash_message_hours
    (project_id, hour, account_id, queue_id, sender_kind, user_id, ai_agent_id, flow_id, campaign_id) nulls not distinct;
-- The heat map reads customers' hours only: a few rows an hour, where the agents' rows are many.
create index dash_message_hours_kind_idx on ops.dash_message_hours (project_id, sender_kind, hour);
-- The same per local day, which every tile but the heat map reads (periods are whole days): 24× fewer rows.
create table ops.dash_message_days (
    project_id   bigint not null references core.projects,
    day          date not null,
    account_id   bigint not null,
    channel      text not null,
    queue_id     bigint,
    sender_kind  text not null,
    user_id      bigint,
    ai_agent_id  bigint,
    flow_id      bigint,
    campaign_id  bigint,
    messages     bigint not null
);
create unique index dash_message_days_key on ops.dash_message_days
    (project_id, day, account_id, queue_id, sender_kind, user_id, ai_agent_id, flow_id, campaign_id) nulls not distinct;

-- Statuses Meta reported (sent, delivered, read, failed…) per local hour, account and error code.
create table ops.dash_status_hours (
    project_id  bigint not null references core.projects,
    hour        timestamptz not null,
    account_id  bigint not null,
    channel     text not null,
    status      text not null,
    error_code  int,
    n           bigint not null
);
create unique index dash_status_hours_key on ops.dash_status_hours (project_id, hour, account_id, status, error_code) nulls not distinct;

-- One row per conversation episode (opened by the first message or a reopen, closed by a resolve), recomputed from the
-- conversation's messages and events whenever they change, so first-response and resolution medians and p90s are
-- exact percentiles over the filtered rows. Times are when the platform recorded each row (created_at); *_seconds
-- are wall-clock, *_business_seconds count only the project's business hours (all of it without business hours).
create table ops.dash_episodes (
    id                           bigint generated always as identity primary key,
    project_id                   bigint not null references core.projects,
    conversation_id              bigint not null references chat.conversations,
    seq                          int not null,
    account_id                   bigint not null,
    channel                      text not null,
    queue_id                     bigint,
    opened_at                    timestamptz not null,
    reopened                     boolean not null,
    customer_at                  timestamptz,
    first_response_at            timestamptz,
    first_response_kind          text,
    first_response_user_id       bigint,
    first_response_seconds       int,
    first_response_business_seconds int,
    resolved_at                  timestamptz,
    resolved_by_user_id          bigint,
    resolution_seconds           int,
    resolution_business_seconds  int,
    user_ids                     bigint[] not null default '{}',
    ai_agent_id                  bigint,
    flow_id                      bigint,
    campaign_id                  bigint,
    handoff_reason               text,
    handoff_source               text,
    messages_in                  int not null,
    messages_out                 int not null,
    person_messages              int not null,
    window_expiries              timestamptz[] not null default '{}',
    unique (conversation_id, seq)
);
-- Each tile reads one of these by period; they carry the filter columns and the figure, so a period is an index-only
-- scan (a month of a 500 k-conversation project is ~170 k episodes: the heap visits were most of the read).
create index dash_episodes_opened_idx on ops.dash_episodes (project_id, opened_at)
    include (reopened, account_id, channel, queue_id, campaign_id, flow_id, ai_agent_id, user_ids);
create index dash_episodes_resolved_idx on ops.dash_episodes (project_id, resolved_at)
    include (resolution_business_seconds, resolution_seconds, account_id, channel, queue_id, campaign_id, flow_id, ai_agent_id, user_ids)
    where resolved_at is not null;
create index dash_episodes_response_idx on ops.dash_episodes (project_id, first_response_at)
    include (first_response_business_seconds, first_response_seconds, account_id, channel, queue_id, campaign_id, flow_id, ai_agent_id,
             user_ids)
    where first_response_at is not null;
create index dash_episodes_customer_idx on ops.dash_episodes (project_id, customer_at) where customer_at is not null;
-- Expiries are read by their last instant (an episode's expiries are in order), so a period's read starts near it.
create index dash_episodes_expiry_idx on ops.dash_episodes (project_id, (window_expiries[cardinality(window_expiries)]))
    where window_expiries <> '{}';

-- Episode counts per local day and every episode dimension but the agents (a list), kept with the episodes (each
-- recompute takes out the old rows' counts and adds the new ones'): the conversations tile reads days, not episodes,
-- unless it is filtered by agent.
create table ops.dash_episode_days (
    project_id   bigint not null references core.projects,
    day          date not null,
    account_id   bigint not null,
    channel      text not null,
    queue_id     bigint,
    campaign_id  bigint,
    flow_id      bigint,
    ai_agent_id  bigint,
    opened       bigint not null,
    reopened     bigint not null,
    resolved     bigint not null
);
create unique index dash_episode_days_key on ops.dash_episode_days
    (project_id, day, account_id, channel, queue_id, campaign_id, flow_id, ai_agent_id) nulls not distinct;

-- The project's funnel (Contracts.Dashboards.FunnelDefinition: ordered stages as JSON).
create table ops.dash_funnels (
    project_id  bigint primary key references core.projects,
    stages      jsonb not null,
    revision    int not null default 1,
    updated_by  bigint references core.users,
    updated_at  timestamptz not null default now()
);

-- Each person's own arrangement of tiles per project, and the default a supervisor published for a queue.
create table ops.dash_layouts (
    project_id  bigint not null references core.projects,
    user_id     bigint not null references core.users,
    tiles       jsonb not null,
    updated_at  timestamptz not null default now(),
    primary key (project_id, user_id)
);
create table ops.dash_queue_layouts (
    queue_id      bigint primary key references core.queues,
    project_id    bigint not null references core.projects,
    tiles         jsonb not null,
    published_by  bigint references core.users,
    updated_at    timestamptz not null default now()
);

-- The backlog tile reads open conversations now: a partial index over open ones only (a few percent of the table),
-- carrying what the tile sums, so it never walks the resolved history.
create index conversations_open_backlog_idx on chat.conversations (project_id, queue_id)
    include (account_id, channel, assigned_user_id, unread_count, last_inbound_at, last_message_direction)
    where status = 'open';

-- Number health over time by project and day (the existing index serves "latest per account").
create index number_health_snapshots_project_idx on ops.number_health_snapshots (project_id, taken_at);
