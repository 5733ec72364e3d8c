-- Agent assist and classification (issue 14, 0034_ai_assist_classify.sql): requests written by the Core API, answered
-- by the Worker under leases; results pushed to the consoles.

-- A person asks for help on a conversation they can see (the Core API checked that): suggestions for the composer, a
-- summary for the rail, or a template's variables filled from the customer's context.
create or replace function bot.request_assist(p_conversation_id bigint, p_user_id bigint, p_kind text, p_template_id bigint)
returns bigint
language plpgsql as $$
declare
    v_id bigint;
begin
    insert into bot.ai_assists (project_id, conversation_id, kind, template_id, requested_by)
    select c.project_id, c.id, p_kind, p_template_id, p_user_id from chat.conversations c where c.id = p_conversation_id
    returning id into v_id;
    perform pg_notify('ai', '');
    return v_id;
end
$$;

create or replace function bot.claim_assists(p_worker text, p_limit int, p_lease_seconds int)
returns table (id bigint, project_id bigint, conversation_id bigint, kind text, template_id bigint, requested_by bigint,
               attempt_count int)
language sql as $$
    update bot.ai_assists a
    set locked_by = p_worker, locked_until = now() + make_interval(secs => p_lease_seconds), attempt_count = a.attempt_count + 1
    where a.id in (select x.id from bot.ai_assists x
                   where x.status = 'pending' and x.next_attempt_at <= now() and (x.locked_until is null or x.locked_until < now())
                   order by x.next_attempt_at limit p_limit for update skip locked)
    returning a.id, a.project_id, a.conversation_id, a.kind, a.template_id, a.requested_by, a.attempt_count
$$;

-- Done, failed, or back later (p_retry_ms); the person who asked gets the result pushed.
create or replace function bot.finish_assist(p_id bigint, p_worker text, p_status text, p_result jsonb, p_error text, p_retry_ms int)
returns boolean
language plpgsql as $$
declare
    v bot.ai_assists;
begin
    update bot.ai_assists a
    set status = case when p_retry_ms is not null then 'pending' else p_status end,
        result = p_result, error = p_error, locked_by = null, locked_until = null,
        next_attempt_at = case when p_retry_ms is not null then now() + make_interval(secs => p_retry_ms / 1000.0) else a.next_attempt_at end,
        done_at = case when p_retry_ms is null then now() end
    where a.id = p_id and a.locked_by = p_worker
    returning * into v;
    if v.id is null then return false; end if;
    if p_retry_ms is null then
        perform ops.emit_change(v.project_id, 'ai_assist', v.conversation_id, null,
                                jsonb_build_object('id', v.id, 'kind', v.kind, 'status', v.status), array[v.requested_by]);
    end if;
    return true;
end
$$;

-- Resolving a conversation in a project that classifies on resolve queues its classification.
create or replace function classify.on_resolved(p_conversation_id bigint) returns void
language plpgsql as $$
begin
    insert into classify.jobs (project_id, kind, conversation_ids, total)
    select c.project_id, 'on_resolve', array[c.id], 1
    from chat.conversations c join core.projects p on p.id = c.project_id
    where c.id = p_conversation_id and p.classify_on_resolve
      and exists (select 1 from classify.labels l where l.project_id = c.project_id and l.active);
    if found then perform pg_notify('ai', ''); end if;
end
$$;

create or replace function classify.claim_job(p_worker text, p_lease_seconds int)
returns table (id bigint, project_id bigint, kind text, range_from timestamptz, range_to timestamptz, cursor_id bigint,
               total int, done int)
language plpgsql as $$
declare
    v classify.jobs;
begin
    update classify.jobs j
    set locked_by = p_worker, locked_until = now() + make_interval(secs => p_lease_seconds), status = 'running'
    where j.id = (select x.id from classify.jobs x
                  where x.status in ('queued', 'running') and x.next_attempt_at <= now()
                    and (x.locked_until is null or x.locked_until < now())
                  order by x.next_attempt_at, x.id limit 1 for update skip locked)
    returning * into v;
    if v.id is null then return; end if;
    if v.total is null then
        update classify.jobs j set total = (
            select count(*) from chat.conversations c
            where c.project_id = v.project_id and c.last_message_at >= v.range_from and c.last_message_at < v.range_to)
        where j.id = v.id returning * into v;
    end if;
    return query select v.id, v.project_id, v.kind, v.range_from, v.range_to, v.cursor_id, v.total, v.done;
end
$$;

-- The next conversations of a job after its cursor, in id order (a backfill walks the date range by id, so it resumes
-- exactly where a dead Worker left it).
create or replace function classify.job_batch(p_job_id bigint, p_limit int) returns setof bigint
language sql stable as $$
    select c.id from classify.jobs j
    join chat.conversations c on c.project_id = j.project_id
    where j.id = p_job_id and c.id > j.cursor_id
      and case when j.kind = 'backfill' then c.last_message_at >= j.range_from and c.last_message_at < j.range_to
               else c.id = any(j.conversation_ids) end
    order by c.id
    limit p_limit
$$;

-- One conversation classified (or failed: label null and p_failed): the result, the job's cursor and counts, and a
-- push to the consoles. Guarded by the job's lease.
create or replace function classify.record_result(p_job_id bigint, p_worker text, p_conversation_id bigint, p_label text,
                                                  p_confidence numeric, p_turn_id bigint, p_failed boolean) returns boolean
language plpgsql as $$
declare
    v classify.jobs;
    v_label bigint;
begin
    select * into v from classify.jobs where id = p_job_id and locked_by = p_worker for update;
    if v.id is null then return false; end if;
    if not p_failed then
        select id into v_label from classify.labels where project_id = v.project_id and name = p_label;
        insert into classify.results (project_id, conversation_id, label_id, confidence, job_id, turn_id)
        values (v.project_id, p_conversation_id, v_label, least(greatest(coalesce(p_confidence, 0), 0), 1), p_job_id, p_turn_id);
        perform ops.emit_change(v.project_id, 'classification_changed', p_conversation_id, null,
                                jsonb_build_object('label', p_label, 'confidence', p_confidence));
    end if;
    update classify.jobs
    set cursor_id = greatest(cursor_id, p_conversation_id), done = done + case when p_failed then 0 else 1 end,
        failed = failed + case when p_failed then 1 else 0 end
    where id = p_job_id;
    return true;
end
$$;

create or replace function classify.finish_job(p_job_id bigint, p_worker text, p_status text, p_error text, p_retry_ms int)
returns boolean
language plpgsql as $$
declare
    v classify.jobs;
begin
    update classify.jobs
    set status = case when p_retry_ms is not null then status else p_status end, error = p_error,
        locked_by = null, locked_until = null,
        next_attempt_at = case when p_retry_ms is not null then now() + make_interval(secs => p_retry_ms / 1000.0) else next_attempt_at end,
        finished_at = case when p_retry_ms is null then now() end
    where id = p_job_id and locked_by = p_worker
    returning * into v;
    if v.id is null then return false; end if;
    perform ops.emit_change(v.project_id, 'classification_job', null, null,
                            jsonb_build_object('id', v.id, 'status', v.status, 'done', v.done, 'total', v.total));
    return true;
end
$$;

-- The project's active labels, for the classifier's prompt and schema.
create or replace function classify.active_labels(p_project_id bigint)
returns table (name text, description text)
language sql stable as $$
    select name, description from classify.labels where project_id = p_project_id and active order by name
$$;
