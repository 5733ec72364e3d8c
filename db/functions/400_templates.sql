-- WhatsApp message templates (table in 0014_templates.sql): the console's reads and writes, and the history every
-- status change leaves. The Worker's queue and the sync are in 401_template_queue.sql, webhooks in
-- 402_template_events.sql, sending in 405_template_send.sql. See docs/templates.md.

-- One status change: history row, and a change-feed row so every console of the project refreshes its list (no
-- conversation: every console of the project receives it).
create or replace function meta.record_template_status(p_template_id bigint, p_source text, p_actor_user_id bigint,
                                                       p_reason text, p_occurred_at timestamptz) returns void
language plpgsql as $$
declare
    v meta.templates;
begin
    select * into v from meta.templates where id = p_template_id;
    insert into meta.template_status_history (project_id, template_id, status, quality_score, reason, source, actor_user_id, occurred_at)
    values (v.project_id, v.id, v.status, v.quality_score, p_reason, p_source, p_actor_user_id, coalesce(p_occurred_at, now()));
    perform ops.emit_change(v.project_id, 'template_changed', null, null,
                            jsonb_build_object('templateId', v.id, 'name', v.name, 'language', v.language,
                                               'status', v.status, 'qualityScore', v.quality_score));
end
$$;

-- A new template, queued for submission (NOTIFY templates wakes the Worker). refusal: account_not_found (not a
-- WhatsApp number of the project), template_exists (same WABA, name and language, as Meta's 2388024).
drop function if exists meta.create_template(bigint, bigint, bigint, text, text, text, text, jsonb, jsonb);
create function meta.create_template(p_project_id bigint, p_account_id bigint, p_user_id bigint, p_name text, p_language text,
                                     p_category text, p_parameter_format text, p_components jsonb, p_variable_sources jsonb,
                                     out template_id bigint, out refusal text)
language plpgsql as $$
declare
    v_account meta.accounts;
begin
    select * into v_account from meta.accounts
    where id = p_account_id and project_id = p_project_id and channel = 'whatsapp' and waba_id is not null;
    if v_account.id is null then
        refusal := 'account_not_found';
        return;
    end if;
    insert into meta.templates (project_id, account_id, waba_id, name, language, category, parameter_format, components,
                                variable_sources, created_by, pending_action)
    values (p_project_id, p_account_id, v_account.waba_id, p_name, p_language, p_category, p_parameter_format, p_components,
            coalesce(p_variable_sources, '{}'), p_user_id, 'submit')
    on conflict (waba_id, name, language) where status <> 'deleted' do nothing
    returning id into template_id;
    if template_id is null then
        refusal := 'template_exists';
        return;
    end if;
    perform meta.record_template_status(template_id, 'console', p_user_id, null, now());
    perform ops.record_command(p_project_id, p_user_id, 'template.create', 'template', template_id::text, null,
                               jsonb_build_object('accountId', p_account_id, 'name', p_name, 'language', p_language, 'category', p_category));
    perform pg_notify('templates', '');
end
$$;

-- The console's list (and one template by id): filters by account (its WABA's templates), status, language and a
-- name substring; deleted ones only when asked for by status.
drop function if exists meta.list_templates(bigint, bigint, text, text, text, bigint);
create function meta.list_templates(p_project_id bigint, p_account_id bigint, p_status text, p_language text, p_q text,
                                    p_template_id bigint default null)
returns table (id bigint, account_id bigint, account_name text, waba_id text, name text, language text, category text,
               parameter_format text, components text, variable_sources text, status text, rejected_reason text,
               status_detail text, quality_score text, meta_template_id text, created_by bigint, created_by_name text,
               created_at timestamptz, updated_at timestamptz, last_error text)
language sql stable as $$
    select t.id, t.account_id, a.name, t.waba_id, t.name, t.language, t.category, t.parameter_format, t.components::text,
           t.variable_sources::text, t.status, t.rejected_reason, t.status_detail, t.quality_score, t.meta_template_id,
           t.created_by, u.display_name, t.created_at, t.updated_at, t.last_error
    from meta.templates t
    join meta.accounts a on a.id = t.account_id
    left join core.users u on u.id = t.created_by
    where t.project_id = p_project_id
      and (p_template_id is null or t.id = p_template_id)
      and (p_account_id is null or t.waba_id = (select x.waba_id from meta.accounts x where x.id = p_account_id and x.project_id = p_project_id))
      and (case when p_status is null then t.status <> 'deleted' else t.status = p_status end)
      and (p_language is null or t.language = p_language)
      and (p_q is null or t.name like '%' || core.like_escape(lower(p_q)) || '%' escape '\')
    order by t.name, t.language, t.id
    limit 500
$$;

create or replace function meta.template_history(p_project_id bigint, p_template_id bigint)
returns table (status text, quality_score text, reason text, source text, actor_name text, occurred_at timestamptz)
language sql stable as $$
    select h.status, h.quality_score, h.reason, h.source, u.display_name, h.occurred_at
    from meta.template_status_history h left join core.users u on u.id = h.actor_user_id
    where h.project_id = p_project_id and h.template_id = p_template_id
    order by h.id
$$;

-- Deleting: locally at once (the name is free again, nothing can send it); at Meta by the Worker when Meta has it,
-- or may have it (a submission in flight). False when the template is not the project's.
create or replace function meta.delete_template(p_project_id bigint, p_template_id bigint, p_user_id bigint) returns boolean
language plpgsql as $$
begin
    update meta.templates
    set status = 'deleted', updated_at = now(), status_at = now(), attempt_count = 0, next_attempt_at = now(), last_error = null,
        pending_action = case when meta_template_id is not null or locked_until > now() then 'delete' end
    where id = p_template_id and project_id = p_project_id and status <> 'deleted';
    if not found then
        return exists (select 1 from meta.templates where id = p_template_id and project_id = p_project_id);
    end if;
    perform meta.record_template_status(p_template_id, 'console', p_user_id, null, now());
    perform ops.record_command(p_project_id, p_user_id, 'template.delete', 'template', p_template_id::text,
                               (select jsonb_build_object('name', t.name, 'language', t.language) from meta.templates t where t.id = p_template_id), null);
    perform pg_notify('templates', '');
    return true;
end
$$;

-- Asks every Worker's sync loop to list the WABAs' templates now (the periodic sync runs anyway).
create or replace function meta.request_template_sync() returns void
language sql as $$
    select pg_notify('template_sync', '')
$$;
