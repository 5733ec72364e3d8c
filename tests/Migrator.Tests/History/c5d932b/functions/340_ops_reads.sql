-- Operator views for the Core API (admins and devs).
create or replace function ops.list_worker_heartbeats()
returns table (worker_id text, loop text, beat_at timestamptz, details jsonb, seconds_since double precision)
language sql stable as $$
    select worker_id, loop, beat_at, details, extract(epoch from now() - beat_at)
    from ops.worker_heartbeats order by worker_id, loop
$$;

create or replace function ops.list_dead_letters(p_project_id bigint, p_limit int)
returns table (id bigint, outbox_id bigint, message_id bigint, conversation_id bigint, reason text, error_code int,
               attempts int, created_at timestamptz)
language sql stable as $$
    select d.id, d.outbox_id, d.message_id, m.conversation_id, d.reason, d.error_code, d.attempts, d.created_at
    from ops.dead_letters d left join chat.messages m on m.id = d.message_id
    where d.project_id = p_project_id
    order by d.id desc
    limit p_limit
$$;
