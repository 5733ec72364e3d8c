-- Knowledge tiles: the configured funnel, channels side by side, number health over time (docs/dashboards.md).

drop function if exists ops.dash_stage_met(bigint, text, text, boolean, boolean);
drop function if exists ops.dash_funnel_reach(bigint[]);

-- How far each conversation went: the number of leading stages of its project's funnel it met (a conversation counts at
-- a stage only if it met every stage before it; Contracts.Dashboards.FunnelStage kinds). Every stage reads the
-- conversation's whole history and its facts as they are now (the customer ever wrote; an episode was resolved; its
-- tags, its contact's attributes, campaign replies, flow sessions): the funnel follows a cohort of conversations to
-- where they are now. The conversations: the project's (p_conversation_ids null) or those (p_project_id null: any
-- project's). Conversations of a project without a funnel are not returned. Set-based, one join per kind: a lookup per
-- conversation and stage took 107 s for a project of 505 k conversations.
create or replace function ops.dash_funnel_reach(p_project_id bigint, p_conversation_ids bigint[])
returns table (project_id bigint, conversation_id bigint, reach int)
language sql stable as $$
    with conv as (select c.id, c.project_id, c.contact_id from chat.conversations c
                  where (p_project_id is null or c.project_id = p_project_id)
                    and (p_conversation_ids is null or c.id = any(p_conversation_ids))),
    st as (select f.project_id, x.ord::int as ord, x.stage ->> 'kind' as kind, x.stage ->> 'value' as value
           from ops.dash_funnels f, jsonb_array_elements(f.stages) with ordinality x(stage, ord)
           where p_project_id is null or f.project_id = p_project_id),
    met as (select st.ord, c.id from st join conv c on c.project_id = st.project_id and st.kind = 'contacted'
            union all
            select st.ord, c.id from st join conv c on c.project_id = st.project_id and st.kind = 'replied'
            where exists (select 1 from ops.dash_episodes e where e.conversation_id = c.id and e.customer_at is not null)
            union all
            select st.ord, c.id from st join conv c on c.project_id = st.project_id and st.kind = 'resolved'
            where exists (select 1 from ops.dash_episodes e where e.conversation_id = c.id and e.resolved_at is not null)
            union all
            select st.ord, c.id from st join conv c on c.project_id = st.project_id and st.kind = 'tag'
            join chat.conversation_tags t on t.conversation_id = c.id and t.tag_id::text = st.value
            union all
            select st.ord, c.id from st join conv c on c.project_id = st.project_id and st.kind = 'attribute'
            join chat.contacts k on k.id = c.contact_id
            where case when position('=' in st.value) > 0
                       then k.attributes ->> split_part(st.value, '=', 1) = substr(st.value, position('=' in st.value) + 1)
                       else k.attributes ? st.value end
            union all
            select st.ord, c.id from st join conv c on c.project_id = st.project_id and st.kind = 'campaign_reply'
            where exists (select 1 from mass.recipients r where r.conversation_id = c.id and r.replied_at is not null
                                                           and (st.value is null or r.campaign_id::text = st.value))
            union all
            select st.ord, c.id from st join conv c on c.project_id = st.project_id and st.kind = 'bot_outcome'
            where exists (select 1 from bot.flow_sessions f
                          where f.conversation_id = c.id and (f.status = st.value or f.reason = st.value or f.node_id = st.value)))
    select c.project_id, c.id, coalesce(min(st.ord) filter (where m.id is null), max(st.ord) + 1) - 1
    from conv c join st on st.project_id = c.project_id left join met m on m.id = c.id and m.ord = st.ord
    group by c.project_id, c.id
$$;

-- The funnel's stages and its counts: conversations with an episode opened in the period, each counted once at every
-- stage it reached; conversion = a stage / the stage before, overall = / the first. p_reached: {stage number:
-- conversations that reached at least it}.
create or replace function ops.dash_funnel_rows(p_project_id bigint, p_reached jsonb)
returns table (stage_key text, stage text, conversations bigint, conversion_pct double precision, overall_pct double precision)
language sql stable as $$
    with counts as (
        select x.ord, x.stage ->> 'key' as key, x.stage ->> 'label' as label, coalesce((p_reached ->> x.ord::text)::bigint, 0) as n
        from ops.dash_funnels f, jsonb_array_elements(f.stages) with ordinality x(stage, ord)
        where f.project_id = p_project_id)
    select key, label, n, 100.0 * n / nullif(lag(n) over (order by ord), 0), 100.0 * n / nullif(first_value(n) over (order by ord), 0)
    from counts
    order by ord
$$;

-- From the facts: the period's conversations and their reaches (kept in ops.dash_funnel_reaches; computed here from the
-- stages' facts while the funnel's revision is not counted yet).
create or replace function ops.dash_facts_funnel(p_project_id bigint, p_from date, p_to date, p_account_id bigint,
    p_channel text, p_queue_id bigint, p_user_id bigint, p_campaign_id bigint, p_flow_id bigint, p_ai_agent_id bigint)
returns table (stage_key text, stage text, conversations bigint, conversion_pct double precision, overall_pct double precision)
language sql stable set jit = off as $$
    with s as (select * from ops.dash_span(p_project_id, p_from, p_to)),
    f as (select f.revision = f.counted_revision as counted, jsonb_array_length(f.stages) as stages
          from ops.dash_funnels f where f.project_id = p_project_id),
    conv as (select distinct e.conversation_id
             from s, ops.dash_episodes e
             where e.project_id = p_project_id and e.opened_at >= s.from_ts and e.opened_at < s.to_ts
               and ops.dash_filter_match(e.account_id, e.channel, e.queue_id, e.user_ids, e.campaign_id, e.flow_id, e.ai_agent_id,
                                  p_account_id, p_channel, p_queue_id, p_user_id, p_campaign_id, p_flow_id, p_ai_agent_id)),
    reach as (select r.reach from conv c join ops.dash_funnel_reaches r on r.project_id = p_project_id and r.conversation_id = c.conversation_id
              where (select counted from f)
              union all
              select r.reach from ops.dash_funnel_reach(p_project_id, (select coalesce(array_agg(conversation_id), '{}') from conv)) r
              where not (select counted from f))
    select * from ops.dash_funnel_rows(p_project_id,
        (select coalesce(jsonb_object_agg(k, (select count(*) from reach r where r.reach >= k)), '{}')
         from f, generate_series(1, f.stages) k))
$$;

create or replace function ops.dash_facts_channels(p_project_id bigint, p_from date, p_to date, p_account_id bigint,
    p_channel text, p_queue_id bigint, p_user_id bigint, p_campaign_id bigint, p_flow_id bigint, p_ai_agent_id bigint)
returns table (channel text, opened bigint, resolved bigint, messages_in bigint, messages_out bigint,
               first_response_median double precision, resolution_median double precision, delivered_pct double precision)
language sql stable set jit = off as $$
    with s as (select * from ops.dash_span(p_project_id, p_from, p_to)),
    ch as (select unnest(array['whatsapp', 'messenger', 'instagram']) as ch),
    op as (select e.channel, count(*) as n from s, ops.dash_episodes e
           where e.project_id = p_project_id and e.opened_at >= s.from_ts and e.opened_at < s.to_ts
             and ops.dash_filter_match(e.account_id, e.channel, e.queue_id, e.user_ids, e.campaign_id, e.flow_id, e.ai_agent_id,
                                  p_account_id, p_channel, p_queue_id, p_user_id, p_campaign_id, p_flow_id, p_ai_agent_id)
           group by 1),
    rs as (select e.channel, count(*) as n, percentile_cont(0.5) within group (order by e.resolution_business_seconds) as m
           from s, ops.dash_episodes e
           where e.project_id = p_project_id and e.resolved_at >= s.from_ts and e.resolved_at < s.to_ts
             and ops.dash_filter_match(e.account_id, e.channel, e.queue_id, e.user_ids, e.campaign_id, e.flow_id, e.ai_agent_id,
                                  p_account_id, p_channel, p_queue_id, p_user_id, p_campaign_id, p_flow_id, p_ai_agent_id)
           group by 1),
    fr as (select e.channel, percentile_cont(0.5) within group (order by e.first_response_business_seconds) as m
           from s, ops.dash_episodes e
           where e.project_id = p_project_id and e.first_response_at >= s.from_ts and e.first_response_at < s.to_ts
             and ops.dash_filter_match(e.account_id, e.channel, e.queue_id, e.user_ids, e.campaign_id, e.flow_id, e.ai_agent_id,
                                  p_account_id, p_channel, p_queue_id, p_user_id, p_campaign_id, p_flow_id, p_ai_agent_id)
           group by 1),
    ms as (select h.channel, sum(h.messages) filter (where h.sender_kind = 'customer')::bigint as i,
                  sum(h.messages) filter (where h.sender_kind <> 'customer')::bigint as o
           from s, ops.dash_message_days h
           where h.project_id = p_project_id and h.day between p_from and p_to
             and ops.dash_filter_match(h.account_id, h.channel, h.queue_id, array[h.user_id], h.campaign_id, h.flow_id, h.ai_agent_id,
                                  p_account_id, p_channel, p_queue_id, p_user_id, p_campaign_id, p_flow_id, p_ai_agent_id)
           group by 1),
    dl as (select h.channel, sum(h.n) filter (where h.status = 'delivered')::bigint as d from s, ops.dash_status_hours h
           where h.project_id = p_project_id and h.hour >= s.from_ts and h.hour < s.to_ts
             and (p_account_id is null or h.account_id = p_account_id)
           group by 1)
    select ch.ch, coalesce(op.n, 0), coalesce(rs.n, 0), coalesce(ms.i, 0), coalesce(ms.o, 0), fr.m, rs.m,
           100.0 * coalesce(dl.d, 0) / nullif(ms.o, 0)
    from ch left join op on op.channel = ch.ch left join rs on rs.channel = ch.ch left join fr on fr.channel = ch.ch
    left join ms on ms.channel = ch.ch left join dl on dl.channel = ch.ch
    where p_channel is null or ch.ch = p_channel
    order by ch.ch
$$;

-- Each number's score and level at the end of each day (its day's last snapshot).
create or replace function ops.dash_facts_number_health(p_project_id bigint, p_from date, p_to date, p_account_id bigint,
    p_channel text, p_queue_id bigint, p_user_id bigint, p_campaign_id bigint, p_flow_id bigint, p_ai_agent_id bigint)
returns table (day text, account_id bigint, account text, score int, level text)
language sql stable set jit = off as $$
    select distinct on ((n.taken_at at time zone s.tz)::date, n.account_id)
           to_char((n.taken_at at time zone s.tz)::date, 'YYYY-MM-DD'), n.account_id, a.name, n.score, n.level
    from ops.dash_span(p_project_id, p_from, p_to) s
    join ops.number_health_snapshots n on n.project_id = p_project_id and n.taken_at >= s.from_ts and n.taken_at < s.to_ts
    join meta.accounts a on a.id = n.account_id
    where (p_account_id is null or n.account_id = p_account_id) and (p_channel is null or a.channel = p_channel)
    order by (n.taken_at at time zone s.tz)::date, n.account_id, n.taken_at desc, n.id desc
$$;
