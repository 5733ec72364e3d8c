-- How Meta's view of a template reaches meta.templates: the periodic listing (the Worker's sync) and the
-- template webhooks (message_template_status_update, message_template_quality_update, template_category_update),
-- which ingestion stores in meta.template_events (130_meta_ingest_staged_business.sql) and applies here.

-- Statuses Meta may list or announce that the table keeps as they are.
create or replace function meta.template_meta_status(p_status text) returns text
language sql immutable as $$
    select case upper(p_status)
               when 'REINSTATED' then 'APPROVED'
               when 'DELETED' then 'deleted'
               else case when upper(p_status) in ('PENDING', 'APPROVED', 'REJECTED', 'PAUSED', 'DISABLED', 'IN_APPEAL',
                                                  'PENDING_DELETION', 'LIMIT_EXCEEDED', 'ARCHIVED') then upper(p_status) end
           end
$$;

-- One WABA's full listing (every page, as GET /{waba}/message_templates answers: id, name, language, status,
-- category, parameter_format, components, rejected_reason, quality_score{score}). Known templates take Meta's
-- status, reason, quality and category; templates made elsewhere (WhatsApp Manager) are imported; ours that Meta no
-- longer lists are marked deleted. The listing is "now", so it wins over any webhook dated before it.
-- Returns how many templates changed.
create or replace function meta.apply_template_sync(p_project_id bigint, p_account_id bigint, p_waba_id text, p_templates jsonb)
returns int
language plpgsql as $$
declare
    v_item jsonb;
    v_row meta.templates;
    v_status text;
    v_quality text;
    v_reason text;
    v_changed int := 0;
    v_ids text[] := '{}';
begin
    for v_item in select value from jsonb_array_elements(coalesce(p_templates, '[]')) loop
        v_status := meta.template_meta_status(v_item ->> 'status');
        continue when v_status is null or v_item ->> 'id' is null;
        v_ids := v_ids || (v_item ->> 'id');
        v_quality := coalesce(nullif(upper(v_item -> 'quality_score' ->> 'score'), ''), 'UNKNOWN');
        if v_quality not in ('GREEN', 'YELLOW', 'RED', 'UNKNOWN') then v_quality := 'UNKNOWN'; end if;
        v_reason := nullif(nullif(v_item ->> 'rejected_reason', 'NONE'), '');

        select * into v_row from meta.templates t
        where t.waba_id = p_waba_id and t.status <> 'deleted'
          and (t.meta_template_id = v_item ->> 'id'
               -- By name only ours whose submission was tried (its answer may have been lost); one never submitted
               -- that Meta already has is a duplicate, which the submission reports.
               or (t.meta_template_id is null and t.status = 'pending_submission' and t.attempt_count > 0
                   and (t.locked_until is null or t.locked_until < now()) and t.name = v_item ->> 'name' and t.language = v_item ->> 'language'))
        order by (t.meta_template_id = v_item ->> 'id') desc nulls last
        limit 1 for update;

        if v_row.id is null then
            continue when v_status = 'deleted' or coalesce(v_item ->> 'name', '') !~ '^[a-z0-9_]+$';
            insert into meta.templates (project_id, account_id, waba_id, name, language, category, parameter_format, components,
                                        status, rejected_reason, quality_score, quality_at, meta_template_id, submitted_at)
            values (p_project_id, p_account_id, p_waba_id, v_item ->> 'name', v_item ->> 'language',
                    case when upper(v_item ->> 'category') in ('MARKETING', 'UTILITY', 'AUTHENTICATION') then upper(v_item ->> 'category') else 'UTILITY' end,
                    case when lower(v_item ->> 'parameter_format') = 'named' then 'named' else 'positional' end,
                    coalesce(v_item -> 'components', '[]'), v_status, v_reason, v_quality, now(), v_item ->> 'id', now())
            on conflict (waba_id, name, language) where status <> 'deleted' do nothing
            returning * into v_row;
            if v_row.id is not null then
                perform meta.record_template_status(v_row.id, 'sync', null, 'imported', now());
                v_changed := v_changed + 1;
            end if;
            continue;
        end if;

        if v_row.status is distinct from v_status or v_row.quality_score is distinct from v_quality
           or v_row.rejected_reason is distinct from v_reason or v_row.meta_template_id is distinct from v_item ->> 'id' then
            update meta.templates
            set status = v_status, quality_score = v_quality, rejected_reason = v_reason, meta_template_id = v_item ->> 'id',
                status_at = now(), quality_at = now(), updated_at = now(),
                category = case when upper(v_item ->> 'category') in ('MARKETING', 'UTILITY', 'AUTHENTICATION') then upper(v_item ->> 'category') else category end,
                -- Meta has it already (our submission's answer was lost): nothing left to submit.
                pending_action = case when pending_action = 'submit' then null else pending_action end
            where id = v_row.id;
            if v_row.status is distinct from v_status or v_row.quality_score is distinct from v_quality then
                perform meta.record_template_status(v_row.id, 'sync', null, v_reason, now());
                v_changed := v_changed + 1;
            end if;
        end if;
    end loop;

    -- Ours, known to Meta once, and no longer listed: deleted at Meta (WhatsApp Manager, or Meta's own clean-up).
    for v_row in
        select * from meta.templates t
        where t.waba_id = p_waba_id and t.meta_template_id is not null and t.pending_action is null
          and t.status not in ('deleted', 'pending_submission', 'submit_failed') and not (t.meta_template_id = any (v_ids))
        for update
    loop
        update meta.templates set status = 'deleted', status_at = now(), updated_at = now() where id = v_row.id;
        perform meta.record_template_status(v_row.id, 'sync', null, 'not listed by Meta', now());
        v_changed := v_changed + 1;
    end loop;
    return v_changed;
end
$$;

-- Template webhooks just stored (ids of meta.template_events), oldest first. An event dated before the status (or
-- quality) already applied is history only: webhooks arrive late and out of order, and the periodic sync may have
-- seen a newer state. Templates unknown here are left to the sync, which imports them.
create or replace function meta.apply_template_events(p_event_ids bigint[]) returns void
language plpgsql as $$
declare
    v_event meta.template_events;
    v_row meta.templates;
    v_status text;
    v_reason text;
begin
    for v_event in select * from meta.template_events where id = any (p_event_ids) order by occurred_at, id loop
        select * into v_row from meta.templates t
        where t.waba_id = v_event.waba_id and t.status <> 'deleted'
          and (t.meta_template_id = v_event.template_id
               or (t.meta_template_id is null and t.name = v_event.template_name and t.language = v_event.language))
        limit 1 for update;
        continue when v_row.id is null;

        if v_event.field = 'message_template_status_update' then
            v_status := meta.template_meta_status(v_event.event);
            -- Webhooks are dated to the second (entry.time): one in the same second as the applied state still applies.
            continue when v_status is null or v_event.occurred_at < date_trunc('second', v_row.status_at);
            v_reason := nullif(nullif(v_event.payload ->> 'reason', 'NONE'), '');
            update meta.templates
            set status = v_status, status_at = v_event.occurred_at, updated_at = now(),
                meta_template_id = coalesce(meta_template_id, v_event.template_id),
                rejected_reason = case when v_status = 'REJECTED' then v_reason end,
                status_detail = case when v_status = 'REJECTED' then v_event.payload -> 'rejection_info' ->> 'reason'
                                     when v_status in ('PAUSED', 'DISABLED') then coalesce(v_event.payload ->> 'other_info', v_reason) end
            where id = v_row.id;
            perform meta.record_template_status(v_row.id, 'webhook', null, v_reason, v_event.occurred_at);
        elsif v_event.field = 'message_template_quality_update' then
            continue when v_event.occurred_at < date_trunc('second', coalesce(v_row.quality_at, '-infinity'))
                       or upper(v_event.reason) not in ('GREEN', 'YELLOW', 'RED', 'UNKNOWN');
            update meta.templates set quality_score = upper(v_event.reason), quality_at = v_event.occurred_at, updated_at = now()
            where id = v_row.id;
            perform meta.record_template_status(v_row.id, 'webhook', null, 'quality ' || upper(v_event.reason), v_event.occurred_at);
        elsif v_event.field = 'template_category_update' and upper(v_event.reason) in ('MARKETING', 'UTILITY', 'AUTHENTICATION') then
            update meta.templates set category = upper(v_event.reason), updated_at = now() where id = v_row.id;
            perform meta.record_template_status(v_row.id, 'webhook', null, 'category ' || upper(v_event.reason), v_event.occurred_at);
        end if;
    end loop;
end
$$;
