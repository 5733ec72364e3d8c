-- The dashboards bench's history (bench/dashboards.sh): :n messages over :m conversations in the demo project, over the
-- last 90 days in the project's time zone (Europe/Madrid, so the range crosses the end of summer time, with business
-- hours), set-based. Every time is a pure function of (conversation, message number), so the conversation rows, the
-- events and the messages agree without reading each other back.
--
-- Per conversation: customer and reply messages alternating (the first reply is a person among 20 agents, an AI agent,
-- a bot or, opening the conversation, a campaign), routed to one of 20 queues, 5 % transferred to another queue, 20 %
-- resolved, reopened and resolved again, the newest 3 % still open; statuses sent/delivered/read, 3 % failed with
-- Meta error codes; presence intervals of every agent on business days; hourly number-health snapshots; handoffs; tags
-- and a funnel.
\set ON_ERROR_STOP 1
set maintenance_work_mem = '1GB';
set work_mem = '256MB';

update core.projects set time_zone = 'Europe/Madrid',
    business_hours = '{"mon": [["09:00","18:00"]], "tue": [["09:00","18:00"]], "wed": [["09:00","18:00"]],
                       "thu": [["09:00","18:00"]], "fri": [["09:00","18:00"]], "sat": [["10:00","14:00"]]}'
where id = 1;
insert into core.queues (project_id, name) select 1, 'Queue ' || g from generate_series(1, 19) g on conflict do nothing;
insert into core.users (email, display_name, password_hash)
select 'bench-agent' || g || '@demo.local', 'Bench agent ' || lpad(g::text, 2, '0'), 'x' from generate_series(1, 20) g;
insert into core.project_members (project_id, user_id, role)
select 1, id, 'agent' from core.users where email like 'bench-agent%';
insert into bot.ai_agents (project_id, name, draft)
select 1, 'Bench AI ' || g, '{}' from generate_series(1, 2) g;
insert into bot.flows (project_id, name, draft) select 1, 'Bench flow', '{}' where not exists (select 1 from bot.flows where project_id = 1 and name = 'Bench flow');
insert into mass.campaigns (project_id, account_id, template_id, name, status)
select 1, 1, (select min(id) from meta.templates where project_id = 1), 'Bench campaign ' || g, 'completed' from generate_series(1, 3) g;
insert into chat.tags (project_id, name, color) values (1, 'qualified', '#2a9d8f'), (1, 'won', '#e9c46a');
insert into ops.dash_funnels (project_id, stages) select 1, jsonb_build_array(
    jsonb_build_object('key', 'contacted', 'label', 'Contacted', 'kind', 'contacted'),
    jsonb_build_object('key', 'replied', 'label', 'Replied', 'kind', 'replied'),
    jsonb_build_object('key', 'qualified', 'label', 'Qualified', 'kind', 'tag', 'value', (select id from chat.tags where project_id = 1 and name = 'qualified')::text),
    jsonb_build_object('key', 'won', 'label', 'Won', 'kind', 'tag', 'value', (select id from chat.tags where project_id = 1 and name = 'won')::text))
on conflict (project_id) do update set stages = excluded.stages;

-- Lookup arrays: queues, agents, AI agents, flows, campaigns, accounts by channel.
create temp table dims as select
    (select array_agg(id order by id) from core.queues where project_id = 1) as queues,
    (select array_agg(id order by id) from core.users where email like 'bench-agent%') as agents,
    (select array_agg(id order by id) from bot.ai_agents where project_id = 1) as ais,
    (select array_agg(id order by id) from bot.flows where project_id = 1) as flows,
    (select array_agg(id order by id) from mass.campaigns where project_id = 1) as campaigns,
    (select array_agg(id order by id) from meta.accounts where project_id = 1) as accounts,
    (select array_agg(channel order by id) from meta.accounts where project_id = 1) as channels,
    now() as t_end;

-- One plan row per conversation (g = 1..m): who answers, where it is routed, when it starts, its shape.
create temp table plan as
select g,
       a.acc, d.accounts[a.acc] as account_id, d.channels[a.acc] as channel,
       d.queues[1 + g % 20] as queue_id, d.queues[1 + (g + 7) % 20] as transfer_queue_id, g % 20 = 3 as transferred,
       d.agents[1 + ((g / 20) * 3 + g) % 20] as agent_id,
       case when g % 10 in (0, 5) then 'ai' when g % 10 = 1 then 'bot' when g % 25 = 2 then 'campaign' else 'person' end as kind,
       d.ais[1 + g % 2] as ai_agent_id, d.flows[1 + g % cardinality(d.flows)] as flow_id, d.campaigns[1 + g % 3] as campaign_id,
       g % 10 = 0 as ai_contained,  -- half the AI conversations end without a person
       g % 5 = 4 as reopened,
       g > (:m * 97) / 100 as still_open,
       60 + (g * 7919) % 840 as base,  -- seconds between messages, 1 to 15 minutes
       -- the newest conversations last: start times spread over 88 days, in g order
       d.t_end - interval '89 days' + (g::float8 / :m) * interval '87 days' + ((g * 104729) % 3600) * interval '1 second' as t0
from generate_series(1::bigint, :m) g, dims d
cross join lateral (select case when (g / 7) % 20 < 10 then 1 when (g / 7) % 20 < 13 then 2 when (g / 7) % 20 < 17 then 3 else 4 end as acc) a;
alter table plan add primary key (g);

-- Messages per conversation and their times: k = 1..K; the reopened ones pause a day after message K/2.
create temp table k as select :n / :m as kk;

-- stable, not immutable: timestamptz + interval is stable, and a function declared less volatile than its body is not
-- inlined (10 M calls instead of an expression)
create or replace function pg_temp.msg_at(p plan, k int, kk int) returns timestamptz language sql stable as $$
    select p.t0 + ((k - 1) * p.base + ((p.g * 31 + k * 17) % 97) * p.base / 200
                   + case when p.reopened and k > kk / 2 then 86400 + (p.g % 7200) else 0 end) * interval '1 second'
$$;

-- No foreign-key trigger per row during the load (every id below comes from its table).
set session_replication_role = replica;
drop index if exists chat.messages_search_idx;
drop index if exists chat.messages_project_recent_idx;
drop index if exists chat.messages_thread_idx;
drop index if exists chat.messages_provider_id_idx;
drop index if exists chat.messages_client_id_idx;
drop index if exists chat.message_status_events_message_idx;
-- Partitions for the rows about to come, as the Worker's retention loop makes them a span ahead (migration 0061): the
-- sequences are moved past the fill, partitions made, and moved back.
select last_value as msg_last from chat.messages_id_seq \gset
select last_value as st_last from chat.message_status_events_id_seq \gset
select setval('chat.messages_id_seq', :msg_last + 2 * :n), setval('chat.message_status_events_id_seq', :st_last + 3 * :n);
select ops.ensure_id_partitions('chat.messages'), ops.ensure_id_partitions('chat.message_status_events');
select setval('chat.messages_id_seq', :msg_last), setval('chat.message_status_events_id_seq', :st_last);

insert into chat.contacts (project_id, channel, external_id, display_name, phone)
select 1, p.channel, 'dash' || p.g, 'Customer ' || p.g, case when p.channel = 'whatsapp' then '3470' || lpad(p.g::text, 7, '0') end
from plan p order by p.g;
create temp table cmap as select c.id as contact_id, substr(c.external_id, 5)::bigint as g from chat.contacts c
where c.project_id = 1 and c.external_id like 'dash%';
alter table cmap add primary key (g);

insert into chat.conversations (project_id, account_id, contact_id, channel, status, created_at, queue_id, assigned_user_id,
                                last_message_at, last_message_direction, last_message_preview, last_message_type, last_inbound_at,
                                unread_count, resolved_at)
select 1, p.account_id, cm.contact_id, p.channel, case when p.still_open then 'open' else 'resolved' end, pg_temp.msg_at(p, 1, k.kk),
       case when p.transferred then p.transfer_queue_id else p.queue_id end,
       case when p.kind = 'ai' and p.ai_contained then null else p.agent_id end,
       pg_temp.msg_at(p, k.kk, k.kk), case when k.kk % 2 = 1 then 'in' else 'out' end, 'bench', 'text',
       pg_temp.msg_at(p, k.kk - 1 + k.kk % 2, k.kk), case when p.still_open and k.kk % 2 = 1 then 1 else 0 end,
       case when not p.still_open then pg_temp.msg_at(p, k.kk, k.kk) + interval '30 minutes' end
from plan p join cmap cm using (g), k order by p.g;
create temp table vmap as select v.id as conversation_id, cm.g from chat.conversations v join cmap cm using (contact_id)
where v.project_id = 1;
alter table vmap add primary key (g);

-- Conversation events: routed at the start, assigned, transferred at message 4, resolved (and reopened) as planned.
insert into chat.conversation_events (project_id, conversation_id, actor_user_id, action, queue_id, user_id, created_at)
select 1, v.conversation_id, e.actor, e.action, e.queue_id, e.user_id, e.at
from plan p join vmap v using (g), k
cross join lateral (values
    ('routed', null::bigint, p.queue_id, null::bigint, pg_temp.msg_at(p, 1, k.kk) + interval '1 second', true),
    ('assigned', null, null, p.agent_id, pg_temp.msg_at(p, 1, k.kk) + interval '2 seconds', not (p.kind = 'ai' and p.ai_contained)),
    ('transferred', p.agent_id, p.transfer_queue_id, null, pg_temp.msg_at(p, 4, k.kk) + interval '5 seconds', p.transferred),
    ('resolved', case when p.kind = 'ai' and p.ai_contained then null else p.agent_id end, null, null,
        pg_temp.msg_at(p, k.kk / 2, k.kk) + interval '20 minutes', p.reopened),
    ('reopened', p.agent_id, null, null, pg_temp.msg_at(p, k.kk / 2 + 1, k.kk) - interval '10 seconds', p.reopened),
    ('resolved', case when p.kind = 'ai' and p.ai_contained then null else p.agent_id end, null, null,
        pg_temp.msg_at(p, k.kk, k.kk) + interval '30 minutes', not p.still_open)
) e(action, actor, queue_id, user_id, at, present)
where e.present
order by e.at;

-- Messages. Odd k: the customer (a campaign conversation opens with the campaign's message and the customer answers at
-- k = 2). Replies: an AI agent answers the first half of an AI conversation (all of it when contained), a bot the first
-- two replies of a bot conversation, a person the rest.
insert into chat.messages (project_id, conversation_id, account_id, direction, provider_message_id, type, body, payload, status,
                           status_rank, status_at, error_code, occurred_at, created_at, client_message_id, sent_by_user_id,
                           sent_by_ai_agent_id, sent_by_flow_id)
select 1, v.conversation_id, p.account_id, x.dir, 'wamid.dash' || p.g || '.' || s.k, 'text',
       (array['hola', 'gracias', 'pedido', 'hello', 'thanks', 'order', 'refund', 'envío'])[1 + (p.g + s.k) % 8],
       case when x.who = 'campaign' then jsonb_build_object('campaign_id', p.campaign_id) end,
       case when x.dir = 'in' then 'received' when x.failed then 'failed' when x.read then 'read' else 'delivered' end,
       case when x.dir = 'in' then 0 when x.failed then 15 when x.read then 30 else 20 end,
       case when x.dir = 'out' then x.at + interval '3 seconds' end,
       case when x.failed then x.error_code end,
       x.at, x.at + case when x.dir = 'in' then ((p.g + s.k) % 3) * interval '1 second' else interval '200 milliseconds' end,
       case when x.who = 'campaign' then 'mass:' || p.campaign_id || ':' || p.g when x.dir = 'out' then 'dash-' || p.g || '-' || s.k end,
       case when x.who = 'person' then p.agent_id end,
       case when x.who = 'ai' then p.ai_agent_id end,
       case when x.who = 'bot' then p.flow_id end
from plan p join vmap v using (g), k, generate_series(1, k.kk) s(k)
cross join lateral (
    select pg_temp.msg_at(p, s.k, k.kk) as at,
           case when p.kind = 'campaign' then case when s.k = 1 or s.k % 2 = 1 then 'out' else 'in' end
                else case when s.k % 2 = 1 then 'in' else 'out' end end as dir,
           (p.g * 13 + s.k * 7) % 100 < 3 as failed,
           (p.g * 11 + s.k * 3) % 100 < 60 as read,
           (array[131047, 131026, 131049, 130472, 131056])[1 + (p.g + s.k) % 5] as error_code) x0
cross join lateral (
    select x0.*, case when x0.dir = 'in' then 'customer'
                      when p.kind = 'campaign' and s.k = 1 then 'campaign'
                      when p.kind = 'ai' and (p.ai_contained or s.k <= k.kk / 2) then 'ai'
                      when p.kind = 'bot' and s.k <= 4 then 'bot'
                      else 'person' end as who) x;

-- Statuses Meta reported for every reply: sent, then delivered (and read), or failed with its code.
insert into chat.message_status_events (project_id, account_id, event_id, provider_message_id, status, occurred_at, error_code,
                                        error_title, payload)
select 1, m.account_id, 0, m.provider_message_id, st.status, m.occurred_at + st.after * interval '1 second',
       case when st.status = 'failed' then m.error_code end, case when st.status = 'failed' then 'bench failure' end, '{}'
from chat.messages m
cross join lateral (values ('sent', 1, true), ('delivered', 3, m.status in ('delivered', 'read')), ('read', 60, m.status = 'read'),
                           ('failed', 2, m.status = 'failed')) st(status, after, present)
where m.project_id = 1 and m.direction = 'out' and m.provider_message_id like 'wamid.dash%' and st.present;

-- Handoffs: AI conversations a person took over, and bot conversations after the menu.
insert into ops.handoff_log (project_id, conversation_id, source, reason, ai_agent_id, flow_id, created_at)
select 1, v.conversation_id, case when p.kind = 'ai' then 'ai' else 'bot' end,
       (array['customer_asked', 'low_confidence', 'tool_failed'])[1 + p.g % 3],
       case when p.kind = 'ai' then p.ai_agent_id end, case when p.kind = 'bot' then p.flow_id end,
       pg_temp.msg_at(p, case when p.kind = 'ai' then k.kk / 2 + 1 else 5 end, k.kk) - interval '1 second'
from plan p join vmap v using (g), k
where (p.kind = 'ai' and not p.ai_contained) or p.kind = 'bot';

-- Tags for the funnel: a fifth qualified, a quarter of those won.
insert into chat.conversation_tags (conversation_id, tag_id, added_at)
select v.conversation_id, t.id, pg_temp.msg_at(p, 2, k.kk)
from plan p join vmap v using (g), k, chat.tags t
where t.project_id = 1 and ((t.name = 'qualified' and p.g % 5 = 1) or (t.name = 'won' and p.g % 20 = 1));

-- Presence: every agent online 09:00–13:00 and 14:00–18:00 on weekdays (Madrid), away at lunch, for the 90 days.
insert into core.presence_intervals (user_id, status, started_at, ended_at)
select u, s.status, (d + s.f) at time zone 'Europe/Madrid', (d + s.t) at time zone 'Europe/Madrid'
from dims, unnest(dims.agents) u,
     generate_series((now() at time zone 'Europe/Madrid')::date - 90, (now() at time zone 'Europe/Madrid')::date - 1, interval '1 day') d,
     (values ('online', time '09:00', time '13:00'), ('away', time '13:00', time '14:00'), ('online', time '14:00', time '18:00')) s(status, f, t)
where extract(isodow from d) < 6
order by 3;

-- Number health: a snapshot per account per hour.
insert into ops.number_health_snapshots (project_id, account_id, taken_at, score, level, breakdown, trigger)
select 1, a, h, 60 + (extract(epoch from h)::bigint / 3600 + a) % 40, 'healthy', '{}', 'scheduled'
from dims, unnest(dims.accounts) a, generate_series(now() - interval '90 days', now(), interval '1 hour') h;

-- The unique keys the row triggers would have claimed (db/functions/012_chat_message_keys.sql; no triggers above).
insert into chat.message_provider_ids (account_id, provider_message_id, message_id)
select account_id, provider_message_id, id from chat.messages where provider_message_id like 'wamid.dash%'
on conflict do nothing;
insert into chat.message_status_keys (account_id, provider_message_id, status)
select account_id, provider_message_id, status from chat.message_status_events where provider_message_id like 'wamid.dash%'
on conflict do nothing;
set session_replication_role = origin;
