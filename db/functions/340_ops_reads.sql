-- Operator views for the Core API (admins and devs).
create or replace function ops.list_worker_heartbeats()
returns table (worker_id text, loop text, beat_at timestamptz, details jsonb, seconds_since double precision)
language sql stable as $$
    select worker_id, loop, beat_at, details, extract(epoch from now() - beat_at)
    from ops.worker_heartbeats order by worker_id, loop
$$;

-- ops.list_dead_letters: 345_ops_dead_letters.sql.
