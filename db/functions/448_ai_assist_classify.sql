-- Agent assist and classification (issue 14, 0034_ai_assist_classify.sql), the Worker's side: requests written by the
-- Core API (449_ai_assist_api.sql), answered by the Worker under leases; results pushed to the consoles. Every model
-- call is audited in bot.ai_turns with its purpose (suggest, summary, autofill, classify).

-- The first, untested shapes of these functions (before their review): gone, so no caller finds an old overload and
-- the changed return types can be created.
drop function if exists bot.request_assist(bigint, bigint, text, bigint);
drop function if exists bot.claim_assists(text, int, int);
drop function if exists classify.claim_job(text, int);
drop function if exists classify.record_result(bigint, text, bigint, text, numeric, bigint, boolean);
drop function if exists classify.finish_job(bigint, text, text, text, int);

-- Claims due assists. p_max_attempts: an assist whose Worker died after its last allowed attempt is failed here (its
-- lease ran out, nobody will answer it) instead of waiting forever.
create or replace function bot.claim_assists(p_worker text, p_limit int, p_lease_seconds int, p_max_attempts int)
returns table (id bigint, project_id bigint, conversation_id bigint, kind text, template_id bigint, requested_by bigint,
               attempt_count int)
language plpgsql as $$
#variable_conflict use_column
declare
    v bot.ai_assists;
begin
    for v in
        update bot.ai_assists a
        set status = 'failed', error = coalesce(a.error, 'worker_lost: the Worker answering it stopped'), locked_by = null,
            locked_until = null, done_at = now()
        where a.id in (select x.id from bot.ai_assists x
                       where x.status = 'pending' and x.attempt_count >= p_max_attempts and x.locked_until < now()
                       for update skip locked)
        returning a.*
    loop
        perform ops.emit_change(v.project_id, 'ai_assist', v.conversation_id, null,
                                jsonb_build_object('id', v.id, 'kind', v.kind, 'status', v.status), array[v.requested_by]);
    end loop;
    return query
    update bot.ai_assists a
    set locked_by = p_worker, locked_until = now() + make_interval(secs => p_lease_seconds), attempt_count = a.attempt_count + 1
    where a.id in (select x.id from bot.ai_assists x
                   where x.status = 'pending' and x.next_attempt_at <= now() and (x.locked_until is null or x.locked_until < now())
                     and x.attempt_count < p_max_attempts
                   order by x.next_attempt_at limit p_limit for update skip locked)
    returning a.id, a.project_id, a.conversation_id, a.kind, a.template_id, a.requested_by, a.attempt_count;
end
$$;

-- Done, failed, or back later (p_retry_ms, the error kept so the console can say why it waits); the person who asked
-- gets the outcome pushed. False: the lease is no longer ours (another Worker has it).
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
    where a.id = p_id and a.locked_by = p_worker and a.status = 'pending'
    returning * into v;
    if v.id is null then return false; end if;
    if p_retry_ms is null then
        perform ops.emit_change(v.project_id, 'ai_assist', v.conversation_id, null,
                                jsonb_build_object('id', v.id, 'kind', v.kind, 'status', v.status), array[v.requested_by]);
    end if;
    return true;
end
$$;

-- The template an autofill fills, when it is the assist's project's.
create or replace function bot.assist_template(p_project_id bigint, p_template_id bigint)
returns table (name text, language text, components text)
language sql stable as $$
    select t.name, t.language, t.components::text from meta.templates t where t.id = p_template_id and t.project_id = p_project_id
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

-- Claims the next due job (queued, or running with its lease run out: a dead Worker's job goes on from its cursor).
-- A backfill counts its conversations on its first claim.
create or replace function classify.claim_job(p_worker text, p_lease_seconds int)
returns table (id bigint, project_id bigint, kind text, range_from timestamptz, range_to timestamptz, cursor_id bigint,
               total int, done int, attempt_count int)
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
    perform ops.emit_change(v.project_id, 'classification_job', null, null,
                            jsonb_build_object('id', v.id, 'status', v.status, 'done', v.done, 'failed', v.failed, 'total', v.total));
    return query select v.id, v.project_id, v.kind, v.range_from, v.range_to, v.cursor_id, v.total, v.done, v.attempt_count;
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

-- One conversation of a job done, guarded by the job's lease, its status and its cursor (a conversation at or behind
-- the cursor was recorded already: nothing is recorded twice). p_label: a label's name, or null for "none fits";
-- p_failed: the model gave nothing usable. A label that is not an active label of the project is refused: no result,
-- counted as failed, the turn marked unknown_label. Each record extends the lease, so a long batch keeps its job.
-- Returns recorded, refused, failed, or lost (the lease is gone or the job was cancelled: the Worker stops the batch).
create or replace function classify.record_result(p_job_id bigint, p_worker text, p_conversation_id bigint, p_label text,
                                                  p_confidence numeric, p_turn_id bigint, p_failed boolean, p_lease_seconds int)
returns text
language plpgsql as $$
declare
    v classify.jobs;
    v_label classify.labels;
    v_outcome text;
begin
    select * into v from classify.jobs
    where id = p_job_id and locked_by = p_worker and status = 'running' and p_conversation_id > cursor_id
    for update;
    if v.id is null then return 'lost'; end if;
    if p_failed then
        v_outcome := 'failed';
    elsif p_label is not null then
        select * into v_label from classify.labels where project_id = v.project_id and name = p_label and active;
        if v_label.id is null then
            v_outcome := 'refused';
            update bot.ai_turns set error = 'unknown_label: ' || left(p_label, 80) where id = p_turn_id;
        end if;
    end if;
    if v_outcome is null then
        v_outcome := 'recorded';
        insert into classify.results (project_id, conversation_id, label_id, confidence, job_id, turn_id)
        values (v.project_id, p_conversation_id, v_label.id, least(greatest(coalesce(p_confidence, 0), 0), 1), p_job_id, p_turn_id);
        perform ops.emit_change(v.project_id, 'classification_changed', p_conversation_id, null,
                                jsonb_build_object('label', v_label.name, 'confidence', p_confidence));
    end if;
    update classify.jobs
    set cursor_id = p_conversation_id,
        done = done + case when v_outcome = 'recorded' then 1 else 0 end,
        failed = failed + case when v_outcome = 'recorded' then 0 else 1 end,
        error = case v_outcome when 'refused' then 'unknown_label: ' || left(p_label, 80)
                               when 'failed' then 'invalid_output' else error end,
        attempt_count = 0,
        locked_until = greatest(locked_until, now() + make_interval(secs => p_lease_seconds))
    where id = p_job_id;
    return v_outcome;
end
$$;

-- The end of a pass: the job done or failed (p_status), or back later (p_retry_ms: 0 for its next batch at once, more
-- after a failure, which p_counts as an attempt; a spent budget waits without counting). A job cancelled meanwhile stays
-- cancelled. Progress is pushed.
create or replace function classify.finish_job(p_job_id bigint, p_worker text, p_status text, p_error text, p_retry_ms int,
                                               p_counts boolean)
returns boolean
language plpgsql as $$
declare
    v classify.jobs;
begin
    update classify.jobs
    set status = case when status = 'cancelled' or p_retry_ms is not null then status else p_status end,
        error = coalesce(p_error, error),
        attempt_count = attempt_count + case when p_counts then 1 else 0 end,
        locked_by = null, locked_until = null,
        next_attempt_at = case when p_retry_ms is not null then now() + make_interval(secs => p_retry_ms / 1000.0) else next_attempt_at end,
        finished_at = case when status = 'cancelled' then finished_at when p_retry_ms is null then now() end
    where id = p_job_id and locked_by = p_worker
    returning * into v;
    if v.id is null then return false; end if;
    perform ops.emit_change(v.project_id, 'classification_job', null, null,
                            jsonb_build_object('id', v.id, 'status', v.status, 'done', v.done, 'failed', v.failed, 'total', v.total));
    return true;
end
$$;

-- The project's active labels, for the classifier's prompt and schema.
create or replace function classify.active_labels(p_project_id bigint)
returns table (name text, description text)
language sql stable as $$
    select name, description from classify.labels where project_id = p_project_id and active order by name
$$;
