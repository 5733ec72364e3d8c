-- The rebuild (Migrator rebuild-rollups, docs/dashboards.md "Rebuild"): recomputes a project's rollups and episodes from
-- history, in chunks (each its own transaction, so progress shows and nothing holds locks for long), while the live
-- loop keeps running. ops.dash_rebuild_begin empties the project's rollups under the roll lock and returns, per source,
-- the watermark and the gaps of that instant: the chunks count exactly the ids at or below that watermark outside those
-- gaps, and the live loop counts everything else (ids above it, gap ids that appear later), so every row is counted once
-- and a rebuild run twice gives the same figures.

create or replace function ops.dash_rebuild_begin(p_project_id bigint)
returns table (source text, watermark bigint, gaps text)
language plpgsql as $$
begin
    perform pg_advisory_xact_lock(hashtext('ops.dash_roll'));
    delete from ops.dash_message_hours h where p_project_id is null or h.project_id = p_project_id;
    delete from ops.dash_message_days h where p_project_id is null or h.project_id = p_project_id;
    delete from ops.dash_status_hours h where p_project_id is null or h.project_id = p_project_id;
    -- The day counts restart from the facts as they are (in the project's zone now), which the episode chunks then
    -- replace conversation by conversation.
    perform pg_advisory_xact_lock(hashtext('ops.dash_episodes'));
    delete from ops.dash_episode_days d where p_project_id is null or d.project_id = p_project_id;
    insert into ops.dash_episode_days (project_id, day, account_id, channel, queue_id, campaign_id, flow_id, ai_agent_id,
                                       opened, reopened, resolved)
    select e.project_id, x.day, e.account_id, e.channel, e.queue_id, e.campaign_id, e.flow_id, e.ai_agent_id,
           sum(x.opened), sum(x.reopened), sum(x.resolved)
    from ops.dash_episodes e
    join core.projects p on p.id = e.project_id
    cross join lateral (values ((e.opened_at at time zone p.time_zone)::date, 1, e.reopened::int, 0),
                               ((e.resolved_at at time zone p.time_zone)::date, 0, 0, 1)) x(day, opened, reopened, resolved)
    where (p_project_id is null or e.project_id = p_project_id) and x.day is not null
    group by 1, 2, 3, 4, 5, 6, 7, 8;
    -- The cube the same way: the messages' and statuses' parts empty (the chunks count them again), the episodes' from
    -- the facts as they are.
    delete from ops.dash_cube c where p_project_id is null or c.project_id = p_project_id;
    perform ops.dash_cube_derive(p.id, array['episodes']) from core.projects p where p_project_id is null or p.id = p_project_id;
    delete from ops.dash_cube_pending c where p_project_id is null or c.project_id = p_project_id;
    return query
    select c.source, c.watermark,
           coalesce((select range_agg(int8range(g.lo, g.hi, '[]')) from ops.dash_gaps g where g.source = c.source), '{}')::text
    from ops.dash_cursors c where c.source in ('messages', 'statuses') order by c.source;
end
$$;

-- Counts ids p_lo..p_hi of one source (messages or statuses) for the project (null: all), leaving out p_gaps.
create or replace function ops.dash_rebuild_chunk(p_project_id bigint, p_source text, p_lo bigint, p_hi bigint, p_gaps int8multirange)
returns int
language plpgsql as $$
declare
    v_n int;
begin
    -- Taken in turn with the live loop's passes: both upsert the same rollup rows, in no common order.
    perform pg_advisory_xact_lock(hashtext('ops.dash_roll'));
    perform ops.dash_temp_tables();
    truncate dash_ids;
    if p_source = 'messages' then
        insert into dash_ids select m.id from chat.messages m
        where m.id between p_lo and p_hi and (p_project_id is null or m.project_id = p_project_id) and not m.id <@ p_gaps;
        get diagnostics v_n = row_count;
        perform ops.dash_take_messages();
        perform ops.dash_apply_messages();
    else
        insert into dash_ids select s.id from chat.message_status_events s
        where s.id between p_lo and p_hi and (p_project_id is null or s.project_id = p_project_id) and not s.id <@ p_gaps;
        get diagnostics v_n = row_count;
        perform ops.dash_apply_statuses();
    end if;
    return v_n;
end
$$;

-- Recomputes every episode of the next p_limit conversations after p_after_id (by id); returns the last id done, null
-- when there were none left.
create or replace function ops.dash_rebuild_episodes(p_project_id bigint, p_after_id bigint, p_limit int) returns bigint
language plpgsql as $$
declare
    v_ids bigint[];
begin
    select array_agg(id order by id) into v_ids
    from (select c.id from chat.conversations c
          where c.id > p_after_id and (p_project_id is null or c.project_id = p_project_id)
          order by c.id limit p_limit) x;
    if v_ids is null then return null; end if;
    perform ops.dash_recompute_episodes(v_ids, true);
    -- their funnel reaches too, so a rebuilt chunk is whole without waiting for the live pass
    perform ops.dash_funnel_catch_up();
    return v_ids[cardinality(v_ids)];
end
$$;

-- What the rebuild will walk: the highest id of each source, and the project's conversations.
create or replace function ops.dash_rebuild_size(p_project_id bigint, out conversations bigint)
language sql stable as $$
    select count(*) from chat.conversations c where p_project_id is null or c.project_id = p_project_id
$$;
