-- Dashboards' configuration: each person's layout, a queue's published default, the project's funnel and the queues'
-- SLA targets. Configuring writes (queue default, funnel, SLA) land in the command log; a person's own layout is theirs.

-- The layout a person sees: their own, else the published default of p_queue_id (or of the first of their queues that
-- has one), else none (the Core API's built-in).
create or replace function ops.dash_layout(p_project_id bigint, p_user_id bigint, p_queue_id bigint)
returns table (tiles text, source text, queue_id bigint, updated_at timestamptz)
language sql stable as $$
    (select l.tiles::text, 'own', null::bigint, l.updated_at from ops.dash_layouts l
     where l.project_id = p_project_id and l.user_id = p_user_id)
    union all
    (select q.tiles::text, 'queue', q.queue_id, q.updated_at from ops.dash_queue_layouts q
     where q.project_id = p_project_id
       and (q.queue_id = p_queue_id
            or p_queue_id is null and q.queue_id in (select m.queue_id from core.queue_members m where m.user_id = p_user_id))
     order by q.queue_id limit 1)
    limit 1
$$;

create or replace function ops.dash_save_layout(p_project_id bigint, p_user_id bigint, p_tiles jsonb) returns timestamptz
language sql as $$
    insert into ops.dash_layouts (project_id, user_id, tiles) values (p_project_id, p_user_id, p_tiles)
    on conflict (project_id, user_id) do update set tiles = excluded.tiles, updated_at = now()
    returning updated_at
$$;

create or replace function ops.dash_reset_layout(p_project_id bigint, p_user_id bigint) returns void
language sql as $$
    delete from ops.dash_layouts where project_id = p_project_id and user_id = p_user_id
$$;

-- Refusal: unknown_queue.
create or replace function ops.dash_publish_queue_layout(p_project_id bigint, p_queue_id bigint, p_tiles jsonb, p_user_id bigint)
returns text
language plpgsql as $$
declare
    v_before jsonb;
begin
    if not exists (select 1 from core.queues where id = p_queue_id and project_id = p_project_id) then return 'unknown_queue'; end if;
    select tiles into v_before from ops.dash_queue_layouts where queue_id = p_queue_id for update;
    insert into ops.dash_queue_layouts (queue_id, project_id, tiles, published_by) values (p_queue_id, p_project_id, p_tiles, p_user_id)
    on conflict (queue_id) do update set tiles = excluded.tiles, published_by = excluded.published_by, updated_at = now();
    perform ops.record_command(p_project_id, p_user_id, 'dashboard.publish_queue_layout', 'queue', p_queue_id::text,
                               v_before, p_tiles);
    return null;
end
$$;

create or replace function ops.dash_funnel(p_project_id bigint)
returns table (stages text, revision int, updated_at timestamptz)
language sql stable as $$
    select f.stages::text, f.revision, f.updated_at from ops.dash_funnels f where f.project_id = p_project_id
$$;

-- p_revision: the revision the editor saved over (0: none yet). Refusal: funnel_conflict.
create or replace function ops.dash_save_funnel(p_project_id bigint, p_stages jsonb, p_revision int, p_user_id bigint,
                                                out refusal text, out revision int)
language plpgsql as $$
#variable_conflict use_column
declare
    v_before ops.dash_funnels;
begin
    select * into v_before from ops.dash_funnels where project_id = p_project_id for update;
    if coalesce(v_before.revision, 0) <> p_revision then refusal := 'funnel_conflict'; return; end if;
    insert into ops.dash_funnels (project_id, stages, revision, updated_by) values (p_project_id, p_stages, 1, p_user_id)
    on conflict (project_id) do update set stages = excluded.stages, revision = ops.dash_funnels.revision + 1,
                                           updated_by = excluded.updated_by, updated_at = now()
    returning ops.dash_funnels.revision into revision;
    perform ops.record_command(p_project_id, p_user_id, 'dashboard.save_funnel', 'funnel', p_project_id::text,
                               v_before.stages, p_stages);
end
$$;

-- p_seconds null: back to the default (one hour). Refusal: unknown_queue.
create or replace function ops.dash_set_queue_sla(p_project_id bigint, p_queue_id bigint, p_seconds int, p_user_id bigint) returns text
language plpgsql as $$
declare
    v_before int;
begin
    select sla_first_response_seconds into v_before from core.queues where id = p_queue_id and project_id = p_project_id for update;
    if not found then return 'unknown_queue'; end if;
    update core.queues set sla_first_response_seconds = p_seconds where id = p_queue_id;
    perform ops.dash_cube_recount_sla(p_queue_id);
    perform ops.record_command(p_project_id, p_user_id, 'dashboard.set_queue_sla', 'queue', p_queue_id::text,
                               jsonb_build_object('slaFirstResponseSeconds', v_before), jsonb_build_object('slaFirstResponseSeconds', p_seconds));
    return null;
end
$$;
