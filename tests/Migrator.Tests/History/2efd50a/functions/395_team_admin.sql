-- The Admin screen's read (queues.manage): every queue of a project with its assignment settings and how many
-- members serve it. No conversation counts: at scale they would scan a queue's history on every page load.
create or replace function core.queue_settings(p_project_id bigint)
returns table (id bigint, name text, auto_assign boolean, max_open_per_agent int, members int)
language sql stable as $$
    select q.id, q.name, q.auto_assign, q.max_open_per_agent,
           (select count(*)::int from core.queue_members qm where qm.queue_id = q.id)
    from core.queues q
    where q.project_id = p_project_id
    order by lower(q.name), q.id
$$;
