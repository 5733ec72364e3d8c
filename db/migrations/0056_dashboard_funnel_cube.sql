-- The funnel from the cube (issue 16: every dashboard request p99 <= 50 ms at 10 M messages; the funnel read every
-- episode of the period and each stage's facts: 2.5 s for 30 days). docs/dashboards.md "The funnel".
--
-- How far each conversation went (its reach: the number of leading stages of the funnel it met), so the cube can count
-- the period's conversations by reach: metric 'fu', key = reach, bucket = the local day of the conversation's previous
-- episode in the same slice (-1: none). A conversation is counted in a period once, by its first episode there: the
-- one whose previous episode is before the period. Narrow, one row per conversation: a saved funnel rewrites every row
-- of its project (on ops.dash_episodes, the same rewrite took 86 s at 10 M messages, most of it in that table's indexes).
create table ops.dash_funnel_reaches (
    project_id       bigint not null references core.projects,
    conversation_id  bigint not null references chat.conversations,
    reach            smallint not null,
    primary key (project_id, conversation_id)
);

-- The funnel revision the reaches and the cube were counted with: while it differs from the revision (a funnel just
-- saved, or an upgraded installation), the tile computes every reach from the facts and the rollup pass recounts.
alter table ops.dash_funnels add column counted_revision int not null default 0;

-- Conversations whose reach may have moved (a tag, an attribute of the contact, a campaign reply, a flow session, a new
-- episode): the rollup pass recomputes them and moves their counts in the cube.
create table ops.dash_funnel_dirty (
    project_id       bigint not null references core.projects,
    conversation_id  bigint not null references chat.conversations,
    marked_at        timestamptz not null default now(),
    primary key (project_id, conversation_id)
);

-- The campaign_reply stage looks up a conversation's replied recipients (the existing index holds the unreplied ones).
create index recipients_replied_idx on mass.recipients (conversation_id) where replied_at is not null;
