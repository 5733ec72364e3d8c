-- Imports run from the console (docs/import.md "From the console"): the Core API queues a job for an uploaded export,
-- a Worker claims it under a lease and reports progress after each batch; a job whose Worker died is taken over and
-- resumes at its run's cursor (ops.import_begin). Console pushes: import_changed (a job's status) and import_progress.

create or replace function ops.import_job_create(p_project bigint, p_user bigint, p_source text, p_system text,
                                                 p_file_name text, p_storage_key text, p_size bigint, p_sha256 text,
                                                 p_options jsonb)
returns bigint
language plpgsql as $$
declare
    v_id bigint;
begin
    insert into ops.import_jobs (project_id, source, source_system, file_name, storage_key, size_bytes, file_sha256,
                                 options, requested_by)
    values (p_project, p_source, p_system, p_file_name, p_storage_key, p_size, p_sha256, coalesce(p_options, '{}'), p_user)
    returning id into v_id;
    perform ops.record_command(p_project, p_user, 'import.start', 'import_job', v_id::text, null,
                               jsonb_build_object('source', p_source, 'sourceSystem', p_system, 'fileName', p_file_name,
                                                  'sizeBytes', p_size, 'sha256', p_sha256, 'options', coalesce(p_options, '{}')));
    perform ops.emit_change(p_project, 'import_changed', null, null, jsonb_build_object('jobId', v_id, 'status', 'queued'));
    perform pg_notify('import', v_id::text);
    return v_id;
end
$$;

-- The next job: a queued one, or a running one whose Worker stopped renewing its lease. A job taken over too often
-- (p_max_attempts) fails with its last error instead of looping over a file that kills its Worker.
create or replace function ops.import_job_claim(p_owner text, p_lease_seconds int, p_max_attempts int)
returns setof ops.import_jobs
language plpgsql as $$
declare
    v_failed record;
begin
    for v_failed in
        update ops.import_jobs set status = 'failed', finished_at = now(), lease_owner = null, lease_until = null,
               last_error = coalesce(last_error || ' — ', '') || format('gave up after %s attempts', attempts)
        where status = 'running' and lease_until < now() and attempts >= p_max_attempts
        returning id, project_id
    loop
        perform ops.emit_change(v_failed.project_id, 'import_changed', null, null,
                                jsonb_build_object('jobId', v_failed.id, 'status', 'failed'));
    end loop;

    return query
    update ops.import_jobs j
    set status = 'running', lease_owner = p_owner, lease_until = now() + make_interval(secs => p_lease_seconds),
        attempts = j.attempts + 1, started_at = coalesce(j.started_at, now())
    where j.id = (select d.id from ops.import_jobs d
                  where d.status = 'queued' or (d.status = 'running' and d.lease_until < now())
                  order by d.id limit 1 for update skip locked)
    returning j.*;
end
$$;

-- After each batch: renews the lease, links the run, pushes the progress. False when the Worker must stop: the job
-- was cancelled, or its lease was lost to another Worker.
create or replace function ops.import_job_progress(p_job bigint, p_owner text, p_lease_seconds int, p_run bigint,
                                                   p_progress jsonb)
returns boolean
language plpgsql as $$
declare
    v_job ops.import_jobs;
begin
    update ops.import_jobs set lease_until = now() + make_interval(secs => p_lease_seconds), run_id = p_run
    where id = p_job and lease_owner = p_owner and status = 'running'
    returning * into v_job;
    if v_job.id is null then return false; end if;
    if p_progress is not null then
        perform ops.emit_change(v_job.project_id, 'import_progress', null, null,
                                p_progress || jsonb_build_object('jobId', p_job, 'runId', p_run));
    end if;
    return not v_job.cancel_requested;
end
$$;

-- The end of a Worker's attempt: completed, failed (a file the source cannot read), cancelled, or back to queued (the
-- database or the media store went away: the next pass resumes it).
create or replace function ops.import_job_finish(p_job bigint, p_owner text, p_status text, p_error text)
returns void
language plpgsql as $$
declare
    v_job ops.import_jobs;
begin
    update ops.import_jobs
    set status = p_status, last_error = p_error, lease_owner = null, lease_until = null,
        finished_at = case when p_status = 'queued' then null else now() end
    where id = p_job and lease_owner = p_owner and status = 'running'
    returning * into v_job;
    if v_job.id is null then return; end if;
    perform ops.emit_change(v_job.project_id, 'import_changed', null, null,
                            jsonb_build_object('jobId', p_job, 'status', p_status, 'runId', v_job.run_id));
end
$$;

-- Cancel: a queued job at once; a running one at its Worker's next batch (the run stays interrupted, and uploading
-- the same file again resumes it). Null when the project has no such unfinished job.
create or replace function ops.import_job_cancel(p_project bigint, p_user bigint, p_job bigint)
returns text
language plpgsql as $$
declare
    v_status text;
begin
    update ops.import_jobs
    set cancel_requested = true,
        status = case when status = 'queued' then 'cancelled' else status end,
        finished_at = case when status = 'queued' then now() else finished_at end
    where id = p_job and project_id = p_project and status in ('queued', 'running')
    returning status into v_status;
    if v_status is not null then
        perform ops.record_command(p_project, p_user, 'import.cancel', 'import_job', p_job::text, null,
                                   jsonb_build_object('status', v_status));
        perform ops.emit_change(p_project, 'import_changed', null, null,
                                jsonb_build_object('jobId', p_job, 'status', v_status, 'cancelRequested', true));
    end if;
    return v_status;
end
$$;

-- The console's list: each job with its run's progress (the share of the file committed) and counts.
create or replace function ops.import_jobs_list(p_project bigint, p_limit int)
returns table (id bigint, source text, source_system text, file_name text, size_bytes bigint, status text,
               cancel_requested boolean, run_id bigint, requested_by text, created_at timestamptz,
               started_at timestamptz, finished_at timestamptz, attempts int, last_error text, run_status text,
               run_bytes bigint, cursor_offset bigint, cursor_line bigint, messages_new bigint, rejected bigint)
language sql stable as $$
    select j.id, j.source, j.source_system, j.file_name, j.size_bytes, j.status, j.cancel_requested, j.run_id,
           coalesce(u.display_name, u.email), j.created_at, j.started_at, j.finished_at, j.attempts, j.last_error,
           r.status, r.file_bytes, r.cursor_offset, r.cursor_line,
           (select c.new_count from ops.import_counts c where c.run_id = r.id and c.entity = 'message'),
           (select sum(c.rejected_count)::bigint from ops.import_counts c where c.run_id = r.id)
    from ops.import_jobs j
    left join ops.import_runs r on r.id = j.run_id
    left join core.users u on u.id = j.requested_by
    where j.project_id = p_project
    order by j.id desc
    limit p_limit
$$;

-- The project's runs (command-line ones too), newest first: what the report screen lists.
create or replace function ops.import_runs_list(p_project bigint, p_limit int)
returns table (id bigint, source text, source_system text, file_name text, status text, file_bytes bigint,
               cursor_offset bigint, cursor_line bigint, batches int, started_at timestamptz, finished_at timestamptz,
               last_error text)
language sql stable as $$
    select r.id, r.source, r.source_system, r.file_name, r.status, r.file_bytes, r.cursor_offset, r.cursor_line, r.batches,
           r.started_at, r.finished_at, r.last_error
    from ops.import_runs r where r.project_id = p_project order by r.id desc limit p_limit
$$;

-- What a source decided for each of its fields, and the generic file's fields beyond the format (dropped, counted).
create or replace function ops.import_set_decisions(p_run bigint, p_decisions jsonb) returns void
language sql as $$
    update ops.import_runs set field_decisions = p_decisions where id = p_run
$$;

create or replace function ops.import_add_dropped_fields(p_run bigint, p_fields jsonb) returns void
language sql as $$
    update ops.import_runs r
    set dropped_fields = (select coalesce(jsonb_object_agg(k, v), '{}')
                          from (select k, sum(n)::bigint as v
                                from (select key as k, value::bigint as n from jsonb_each_text(r.dropped_fields)
                                      union all
                                      select key, value::bigint from jsonb_each_text(p_fields)) a
                                group by k) s)
    where r.id = p_run and p_fields <> '{}'
$$;

create or replace function ops.import_run_fields(p_run bigint)
returns table (field_decisions jsonb, dropped_fields jsonb)
language sql stable as $$
    select field_decisions, dropped_fields from ops.import_runs where id = p_run
$$;
