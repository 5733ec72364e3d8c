-- Agent assist and classification from the console (issue 14; the Worker's side is 448_ai_assist_classify.sql). The
-- Core API checked who may ask and that the conversation is in the caller's queues; these functions keep tenancy
-- (every id is looked up inside the project), refuse with codes the console translates, and record every configuring
-- write (labels, the on-resolve setting, jobs) in the command log. Asking for help is work on a conversation, not
-- configuration: it is not logged there, its model call is audited in bot.ai_turns.

-- ── Assists ─────────────────────────────────────────────────────────────────────────────────────────────────

-- A person asks for help on a conversation they can see. Refusals: unknown_template (autofill: not a template of the
-- project), no_provider (the project has no enabled provider: nothing would answer), too_many_pending (five of the
-- person's requests still wait). The same request still pending (same person, conversation, kind and template) is
-- answered with its id instead of a second paid call.
create or replace function bot.request_assist(p_conversation_id bigint, p_user_id bigint, p_kind text, p_template_id bigint,
                                              out assist_id bigint, out refusal text)
language plpgsql as $$
declare
    v_project bigint;
begin
    select c.project_id into v_project from chat.conversations c where c.id = p_conversation_id;
    if v_project is null then refusal := 'not_found'; return; end if;
    if p_kind = 'autofill' and not exists (select 1 from meta.templates t where t.id = p_template_id and t.project_id = v_project
                                                                              and t.status <> 'deleted') then
        refusal := 'unknown_template'; return;
    end if;
    if not exists (select 1 from bot.ai_providers pr where pr.project_id = v_project and pr.enabled) then
        refusal := 'no_provider'; return;
    end if;
    select a.id into assist_id from bot.ai_assists a
    where a.conversation_id = p_conversation_id and a.requested_by = p_user_id and a.kind = p_kind and a.status = 'pending'
      and a.template_id is not distinct from case when p_kind = 'autofill' then p_template_id end;
    if assist_id is not null then return; end if;
    if (select count(*) from bot.ai_assists a where a.requested_by = p_user_id and a.status = 'pending') >= 5 then
        refusal := 'too_many_pending'; return;
    end if;
    insert into bot.ai_assists (project_id, conversation_id, kind, template_id, requested_by)
    values (v_project, p_conversation_id, p_kind, case when p_kind = 'autofill' then p_template_id end, p_user_id)
    returning id into assist_id;
    perform pg_notify('ai', '');
end
$$;

-- One assist of the conversation (none of another conversation: the route's conversation was checked, not the id).
create or replace function bot.assist_of(p_conversation_id bigint, p_assist_id bigint)
returns table (id bigint, conversation_id bigint, kind text, template_id bigint, status text, result text, error text,
               attempt_count int, requested_at timestamptz, done_at timestamptz)
language sql stable as $$
    select a.id, a.conversation_id, a.kind, a.template_id, a.status, a.result::text, a.error, a.attempt_count, a.requested_at, a.done_at
    from bot.ai_assists a where a.id = p_assist_id and a.conversation_id = p_conversation_id
$$;

-- The conversation's latest summary that came back, and who asked for it.
create or replace function bot.latest_summary(p_conversation_id bigint)
returns table (id bigint, conversation_id bigint, kind text, template_id bigint, status text, result text, error text,
               attempt_count int, requested_at timestamptz, done_at timestamptz, requested_by_name text)
language sql stable as $$
    select a.id, a.conversation_id, a.kind, a.template_id, a.status, a.result::text, a.error, a.attempt_count, a.requested_at, a.done_at,
           u.display_name
    from bot.ai_assists a left join core.users u on u.id = a.requested_by
    where a.conversation_id = p_conversation_id and a.kind = 'summary' and a.status = 'done'
    order by a.id desc limit 1
$$;

-- ── Labels ──────────────────────────────────────────────────────────────────────────────────────────────────

create or replace function classify.label_json(p classify.labels) returns jsonb
language sql immutable as $$
    select case when p.id is null then null
                else jsonb_build_object('name', p.name, 'description', p.description, 'active', p.active) end
$$;

create or replace function classify.label_list(p_project_id bigint)
returns table (id bigint, name text, description text, active boolean, results bigint, created_at timestamptz)
language sql stable as $$
    select l.id, l.name, l.description, l.active,
           (select count(*) from classify.results r where r.label_id = l.id), l.created_at
    from classify.labels l where l.project_id = p_project_id
    order by l.active desc, l.name
$$;

-- refusal: name_taken.
create or replace function classify.create_label(p_project_id bigint, p_name text, p_description text, p_active boolean, p_user_id bigint,
                                                 out label_id bigint, out refusal text)
language plpgsql as $$
declare
    v classify.labels;
begin
    insert into classify.labels (project_id, name, description, active)
    values (p_project_id, p_name, p_description, coalesce(p_active, true))
    on conflict (project_id, name) do nothing
    returning * into v;
    if v.id is null then refusal := 'name_taken'; return; end if;
    label_id := v.id;
    perform ops.record_command(p_project_id, p_user_id, 'classify_label.create', 'classify_label', v.id::text, null, classify.label_json(v));
end
$$;

-- Renaming keeps the label's results (they point at the label, not its name). Refusals: not_found, name_taken.
create or replace function classify.update_label(p_project_id bigint, p_label_id bigint, p_name text, p_description text, p_active boolean,
                                                 p_user_id bigint) returns text
language plpgsql as $$
declare
    v_before classify.labels;
    v_after classify.labels;
begin
    select * into v_before from classify.labels where id = p_label_id and project_id = p_project_id for update;
    if v_before.id is null then return 'not_found'; end if;
    if exists (select 1 from classify.labels where project_id = p_project_id and name = p_name and id <> p_label_id) then
        return 'name_taken';
    end if;
    update classify.labels set name = p_name, description = p_description, active = p_active where id = p_label_id
    returning * into v_after;
    perform ops.record_command(p_project_id, p_user_id, 'classify_label.update', 'classify_label', p_label_id::text,
                               classify.label_json(v_before), classify.label_json(v_after));
    return null;
end
$$;

-- A label that classified something is history of dashboards: it is deactivated, not deleted. Refusals: not_found,
-- label_in_use.
create or replace function classify.delete_label(p_project_id bigint, p_label_id bigint, p_user_id bigint) returns text
language plpgsql as $$
declare
    v classify.labels;
begin
    select * into v from classify.labels where id = p_label_id and project_id = p_project_id for update;
    if v.id is null then return 'not_found'; end if;
    if exists (select 1 from classify.results where label_id = p_label_id) then return 'label_in_use'; end if;
    delete from classify.labels where id = p_label_id;
    perform ops.record_command(p_project_id, p_user_id, 'classify_label.delete', 'classify_label', p_label_id::text,
                               classify.label_json(v), null);
    return null;
end
$$;

create or replace function classify.settings(p_project_id bigint) returns table (classify_on_resolve boolean)
language sql stable as $$
    select p.classify_on_resolve from core.projects p where p.id = p_project_id
$$;

create or replace function classify.set_settings(p_project_id bigint, p_classify_on_resolve boolean, p_user_id bigint) returns void
language plpgsql as $$
declare
    v_before boolean;
begin
    select classify_on_resolve into v_before from core.projects where id = p_project_id for update;
    update core.projects set classify_on_resolve = p_classify_on_resolve where id = p_project_id;
    perform ops.record_command(p_project_id, p_user_id, 'classify_settings.update', 'project', p_project_id::text,
                               jsonb_build_object('classifyOnResolve', v_before),
                               jsonb_build_object('classifyOnResolve', p_classify_on_resolve));
end
$$;

-- ── Jobs ────────────────────────────────────────────────────────────────────────────────────────────────────

create or replace function classify.job_rows(p_project_id bigint, p_job_id bigint, p_limit int)
returns table (id bigint, kind text, status text, total int, done int, failed int, range_from timestamptz, range_to timestamptz,
               conversation_count int, requested_by_name text, requested_at timestamptz, finished_at timestamptz, error text)
language sql stable as $$
    select j.id, j.kind, j.status, j.total, j.done, j.failed, j.range_from, j.range_to, cardinality(j.conversation_ids), u.display_name,
           j.requested_at, j.finished_at, j.error
    from classify.jobs j left join core.users u on u.id = j.requested_by
    where j.project_id = p_project_id and (p_job_id is null or j.id = p_job_id)
    order by j.id desc
    limit p_limit
$$;

-- A job a person asked for: on_demand (conversations of the project) or backfill ([p_from, p_to) of last messages).
-- Refusals: no_labels (nothing to classify with), unknown_conversation (an id outside the project), backfill_running
-- (one backfill at a time per project: two would pay twice for the same conversations).
create or replace function classify.create_job(p_project_id bigint, p_kind text, p_conversation_ids bigint[], p_from timestamptz,
                                               p_to timestamptz, p_user_id bigint, out job_id bigint, out refusal text)
language plpgsql as $$
declare
    v classify.jobs;
begin
    if not exists (select 1 from classify.labels where project_id = p_project_id and active) then refusal := 'no_labels'; return; end if;
    if p_kind = 'on_demand' and (select count(*) from chat.conversations c where c.project_id = p_project_id and c.id = any(p_conversation_ids))
                                <> cardinality(array(select distinct unnest(p_conversation_ids))) then
        refusal := 'unknown_conversation'; return;
    end if;
    if p_kind = 'backfill' then
        -- One at a time, decided under a per-project lock: two admins clicking at once must not both pass the check.
        perform pg_advisory_xact_lock(hashtext('classify.backfill'), p_project_id::int);
        if exists (select 1 from classify.jobs where project_id = p_project_id and kind = 'backfill' and status in ('queued', 'running')) then
            refusal := 'backfill_running'; return;
        end if;
    end if;
    insert into classify.jobs (project_id, kind, conversation_ids, range_from, range_to, total, requested_by)
    values (p_project_id, p_kind,
            case when p_kind = 'on_demand' then array(select distinct unnest(p_conversation_ids) order by 1) end,
            case when p_kind = 'backfill' then p_from end, case when p_kind = 'backfill' then p_to end,
            case when p_kind = 'on_demand' then cardinality(array(select distinct unnest(p_conversation_ids))) end, p_user_id)
    returning * into v;
    job_id := v.id;
    perform ops.record_command(p_project_id, p_user_id, 'classify_job.create', 'classify_job', v.id::text, null,
                               jsonb_build_object('kind', v.kind, 'conversationIds', v.conversation_ids, 'from', v.range_from, 'to', v.range_to));
    perform pg_notify('ai', '');
end
$$;

-- A queued or running job stops: the Worker working it finds it cancelled at its next record and stops there.
-- Refusals: not_found, job_finished.
create or replace function classify.cancel_job(p_project_id bigint, p_job_id bigint, p_user_id bigint) returns text
language plpgsql as $$
declare
    v classify.jobs;
begin
    select * into v from classify.jobs where id = p_job_id and project_id = p_project_id for update;
    if v.id is null then return 'not_found'; end if;
    if v.status not in ('queued', 'running') then return 'job_finished'; end if;
    update classify.jobs set status = 'cancelled', finished_at = now() where id = p_job_id;
    perform ops.record_command(p_project_id, p_user_id, 'classify_job.cancel', 'classify_job', p_job_id::text,
                               jsonb_build_object('status', v.status, 'done', v.done, 'total', v.total),
                               jsonb_build_object('status', 'cancelled'));
    perform ops.emit_change(p_project_id, 'classification_job', null, null,
                            jsonb_build_object('id', v.id, 'status', 'cancelled', 'done', v.done, 'failed', v.failed, 'total', v.total));
    return null;
end
$$;

-- ── Results ─────────────────────────────────────────────────────────────────────────────────────────────────

-- A conversation's classifications, newest (its current one) first. label null: none of the labels fit.
create or replace function classify.conversation_results(p_conversation_id bigint, p_limit int)
returns table (id bigint, label_id bigint, label text, confidence numeric, job_id bigint, job_kind text, classified_at timestamptz)
language sql stable as $$
    select r.id, r.label_id, l.name, r.confidence, r.job_id, j.kind, r.classified_at
    from classify.results r
    left join classify.labels l on l.id = r.label_id
    left join classify.jobs j on j.id = r.job_id
    where r.conversation_id = p_conversation_id
    order by r.id desc
    limit p_limit
$$;

-- For dashboards: the current label of each conversation classified in [p_from, p_to), counted per label (null:
-- none fit), with the mean confidence.
create or replace function classify.label_counts(p_project_id bigint, p_from timestamptz, p_to timestamptz)
returns table (label_id bigint, label text, conversations bigint, mean_confidence numeric)
language sql stable as $$
    select cur.label_id, l.name, count(*), round(avg(cur.confidence), 3)
    from (select distinct on (r.conversation_id) r.conversation_id, r.label_id, r.confidence
          from classify.results r
          where r.project_id = p_project_id and r.classified_at >= p_from and r.classified_at < p_to
          order by r.conversation_id, r.id desc) cur
    left join classify.labels l on l.id = cur.label_id
    group by cur.label_id, l.name
    order by count(*) desc, l.name
$$;
