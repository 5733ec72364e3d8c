-- Writes that make a cached read stale record what they touched; every Core API instance reads the rows after
-- the last id it applied (woken by NOTIFY cache_invalidation) and drops those entries.
create or replace function ops.invalidate(p_project_id bigint, p_scope text, p_key text) returns void
language plpgsql as $$
begin
    insert into ops.cache_invalidations (project_id, scope, key) values (p_project_id, p_scope, p_key);
    perform pg_notify('cache_invalidation', '');
end
$$;

create or replace function ops.read_cache_invalidations(p_after_id bigint, p_limit int)
returns table (id bigint, project_id bigint, scope text, key text)
language sql stable as $$
    select id, project_id, scope, key from ops.cache_invalidations where id > p_after_id order by id limit p_limit
$$;

create or replace function ops.cache_invalidations_head() returns bigint
language sql stable as $$
    select coalesce(max(id), 0) from ops.cache_invalidations
$$;
