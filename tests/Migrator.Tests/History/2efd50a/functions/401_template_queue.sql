-- The Worker's side of meta.templates: submissions and deletions at Meta (lease-based, as ops.outbox in
-- 200_ops_outbox.sql: every function that finishes a job checks the lease is still the caller's), and the periodic
-- sync that folds Meta's listing into the table.

-- Claims up to p_limit due jobs: never claimed or lease expired, oldest first, skipping what another Worker holds.
drop function if exists meta.claim_template_jobs(text, int, int);
create function meta.claim_template_jobs(p_worker text, p_limit int, p_lease_seconds int)
returns table (template_id bigint, action text, attempt_count int, project_id bigint, account_id bigint, waba_id text,
               name text, language text, category text, parameter_format text, components text, meta_template_id text,
               access_token_enc bytea)
language sql as $$
    with claimed as (
        update meta.templates t
        set locked_by = p_worker, locked_until = now() + make_interval(secs => p_lease_seconds), attempt_count = t.attempt_count + 1
        where t.id in (
            select id from meta.templates
            where pending_action is not null and next_attempt_at <= now() and (locked_until is null or locked_until < now())
            order by next_attempt_at, id
            for update skip locked
            limit p_limit)
        returning t.*
    )
    select c.id, c.pending_action, c.attempt_count, c.project_id, c.account_id, c.waba_id, c.name, c.language, c.category,
           c.parameter_format, c.components::text, c.meta_template_id, a.access_token_enc
    from claimed c join meta.accounts a on a.id = c.account_id
    order by c.id
$$;

-- Meta took the submission: its id, and the status it answered (PENDING, sometimes APPROVED at once). A webhook
-- that got here first (matched by name and language) keeps its newer status. A template deleted meanwhile keeps
-- its 'delete' job, which now knows the id to delete.
create or replace function meta.complete_template_submit(p_template_id bigint, p_worker text, p_meta_template_id text,
                                                         p_status text, p_category text) returns boolean
language plpgsql as $$
declare
    v_before text;
begin
    select status into v_before from meta.templates where id = p_template_id and locked_by = p_worker for update;
    if not found then return false; end if;
    update meta.templates
    set meta_template_id = p_meta_template_id, locked_by = null, locked_until = null, last_error = null, status_detail = null,
        submitted_at = now(), updated_at = now(), attempt_count = 0,
        pending_action = case when pending_action = 'submit' then null else pending_action end,
        next_attempt_at = now(),
        status = case when status in ('pending_submission', 'submit_failed') then coalesce(p_status, 'PENDING') else status end,
        status_at = case when status in ('pending_submission', 'submit_failed') then now() else status_at end,
        category = case when p_category in ('MARKETING', 'UTILITY', 'AUTHENTICATION') then p_category else category end
    where id = p_template_id;
    if v_before in ('pending_submission', 'submit_failed') then
        perform meta.record_template_status(p_template_id, 'worker', null, null, now());
    end if;
    return true;
end
$$;

-- A transient failure: release the lease, try again after p_delay_ms.
create or replace function meta.retry_template_job(p_template_id bigint, p_worker text, p_error text, p_delay_ms int) returns boolean
language sql as $$
    update meta.templates
    set locked_by = null, locked_until = null, last_error = p_error,
        next_attempt_at = now() + make_interval(secs => p_delay_ms / 1000.0)
    where id = p_template_id and locked_by = p_worker
    returning true
$$;

-- A permanent failure (or past the attempt limit). A submission becomes submit_failed with Meta's words; a
-- deletion at Meta is given up (the template stays deleted here), its error kept.
create or replace function meta.fail_template_job(p_template_id bigint, p_worker text, p_error text) returns boolean
language plpgsql as $$
declare
    v_action text;
begin
    select pending_action into v_action from meta.templates where id = p_template_id and locked_by = p_worker for update;
    if not found then return false; end if;
    update meta.templates
    set locked_by = null, locked_until = null, last_error = p_error, pending_action = null, updated_at = now(),
        status = case when v_action = 'submit' and status = 'pending_submission' then 'submit_failed' else status end,
        status_detail = case when v_action = 'submit' then p_error else status_detail end,
        status_at = case when v_action = 'submit' then now() else status_at end
    where id = p_template_id;
    if v_action = 'submit' then
        perform meta.record_template_status(p_template_id, 'worker', null, p_error, now());
    end if;
    return true;
end
$$;

create or replace function meta.complete_template_delete(p_template_id bigint, p_worker text) returns boolean
language sql as $$
    update meta.templates set locked_by = null, locked_until = null, last_error = null, pending_action = null, updated_at = now()
    where id = p_template_id and locked_by = p_worker
    returning true
$$;

-- Hands a claimed job back unattempted (shutdown): not an attempt.
create or replace function meta.defer_template_job(p_template_id bigint, p_worker text) returns boolean
language sql as $$
    update meta.templates set locked_by = null, locked_until = null, attempt_count = greatest(attempt_count - 1, 0)
    where id = p_template_id and locked_by = p_worker
    returning true
$$;

-- What the sync lists: each WABA once, through one of its numbers that has a token.
create or replace function meta.template_sync_targets()
returns table (project_id bigint, account_id bigint, waba_id text, access_token_enc bytea)
language sql stable as $$
    select distinct on (a.waba_id) a.project_id, a.id, a.waba_id, a.access_token_enc
    from meta.accounts a
    where a.channel = 'whatsapp' and a.waba_id is not null and a.access_token_enc is not null and a.status = 'active'
    order by a.waba_id, a.id
$$;
