-- The error log's writer (one statement per batch, already collapsed by fingerprint) and its Ops view.

create or replace function ops.record_errors(p_rows jsonb) returns void
language sql as $$
    insert into ops.error_log as e (fingerprint, project_id, service, instance, exception_type, message, stack, first_seen, last_seen, count, last_trace_id)
    select r.fingerprint, r.project_id, r.service, r.instance, r.exception_type, left(r.message, 1000), left(r.stack, 4000),
           r.first_seen, r.last_seen, r.count, r.trace_id
    from jsonb_to_recordset(p_rows) as r(fingerprint text, project_id bigint, service text, instance text, exception_type text, message text,
                                         stack text, first_seen timestamptz, last_seen timestamptz, count bigint, trace_id text)
    where r.project_id is null or exists (select 1 from core.projects p where p.id = r.project_id)
    on conflict (fingerprint, (coalesce(project_id, 0))) do update
        set count = e.count + excluded.count, last_seen = greatest(e.last_seen, excluded.last_seen), instance = excluded.instance,
            message = excluded.message, stack = excluded.stack, last_trace_id = coalesce(excluded.last_trace_id, e.last_trace_id)
$$;

-- A project's errors (p_all: every row, for operators), most recently seen first, keyset-paged by (last_seen, id):
-- p_before_id is the last row of the previous page. A bug seen again while someone pages moves to the top, above the
-- cursor (it is news, not a row lost); a cursor purged meanwhile, or another project's (its last sighting is not
-- this project's to learn), gives an empty page.
drop function if exists ops.list_errors(bigint, boolean, text, text, timestamptz, int);
create or replace function ops.list_errors(p_project_id bigint, p_all boolean, p_service text, p_text text, p_since timestamptz,
                                           p_before_id bigint, p_limit int)
returns table (id bigint, fingerprint text, project_id bigint, service text, instance text, exception_type text, message text, stack text,
               first_seen timestamptz, last_seen timestamptz, count bigint, last_trace_id text)
language sql stable as $$
    select e.id, e.fingerprint, e.project_id, e.service, e.instance, e.exception_type, e.message, e.stack, e.first_seen, e.last_seen, e.count,
           e.last_trace_id
    from ops.error_log e
    where (p_all or e.project_id = p_project_id)
      and (p_service is null or e.service = p_service)
      and (p_text is null or e.message ilike '%' || core.like_escape(p_text) || '%' escape '\' or e.exception_type ilike '%' || core.like_escape(p_text) || '%' escape '\')
      and (p_since is null or e.last_seen >= p_since)
      and (p_before_id is null or (e.last_seen, e.id) < (select c.last_seen, c.id from ops.error_log c
                                                           where c.id = p_before_id and (p_all or c.project_id = p_project_id)))
    order by e.last_seen desc, e.id desc
    limit p_limit
$$;

-- Retention: a bug not seen for Retention:ErrorLogDays is forgotten (it comes back as new if it happens again).
create or replace function ops.purge_error_log(p_before timestamptz, p_batch int) returns int
language sql as $$
    with doomed as (
        select id from ops.error_log where last_seen < p_before order by id limit p_batch for update skip locked
    ), gone as (
        delete from ops.error_log e using doomed d where e.id = d.id returning 1
    )
    select count(*)::int from gone
$$;
