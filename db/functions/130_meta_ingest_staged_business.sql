-- Part of meta.ingest_staged: template, phone-number quality and account events (and value-level errors).
-- The project is resolved through the WABA, or the phone number for errors, among the accounts of the app that
-- signed the event (n.app_id): another app's event names no project and updates no account.
create or replace function meta.ingest_staged_business() returns void
language plpgsql as $$
declare
    v_template_events bigint[];
begin
    -- Project resolved through the WABA (or the phone number for errors).
    with stored as (
    insert into meta.template_events (project_id, event_id, waba_id, field, event, template_id, template_name, language, reason, occurred_at, payload)
    select (select a.project_id from meta.accounts a where a.waba_id = b.waba_id and a.app_id = n.app_id order by a.id limit 1),
           n.event_id, b.waba_id, b.field, b.event, b.template_id, b.template_name, b.language, b.reason,
           coalesce(b.occurred_at, n.received_at), b.payload::jsonb
    from stg_business b join stg_new_events n using (seq) where b.kind = 'template' order by b.seq
    returning id, project_id)
    -- Only events that found a project under the signing app reach meta.templates (matched there by WABA alone).
    select array_agg(id) filter (where project_id is not null) into v_template_events from stored;
    -- Status, quality and category reach meta.templates (402_template_events.sql; resolved at run time).
    if v_template_events is not null then
        perform meta.apply_template_events(v_template_events);
    end if;

    insert into meta.number_quality_events (project_id, event_id, waba_id, display_phone_number, event, current_limit, occurred_at, payload)
    select (select a.project_id from meta.accounts a where a.waba_id = b.waba_id and a.app_id = n.app_id order by a.id limit 1),
           n.event_id, b.waba_id, b.display_phone_number, b.event, b.current_limit,
           coalesce(b.occurred_at, n.received_at), b.payload::jsonb
    from stg_business b join stg_new_events n using (seq) where b.kind = 'quality' order by b.seq;

    update meta.accounts a
    set messaging_limit = coalesce(q.current_limit, a.messaging_limit), last_quality_event = coalesce(q.event, a.last_quality_event),
        updated_at = now()
    from (select distinct on (n.app_id, b.waba_id, b.display_phone_number) n.app_id, b.waba_id, b.display_phone_number, b.event, b.current_limit
          from stg_business b join stg_new_events n using (seq)
          where b.kind = 'quality' order by n.app_id, b.waba_id, b.display_phone_number, b.occurred_at desc nulls last, b.seq desc) q
    where a.waba_id = q.waba_id and a.display_phone_number = q.display_phone_number and a.app_id = q.app_id;

    insert into meta.account_events (project_id, event_id, waba_id, account_external_id, field, kind, event, reason, occurred_at, payload)
    select coalesce((select a.project_id from meta.accounts a where a.channel = 'whatsapp' and a.external_id = b.account_external_id
                                                                          and a.app_id = n.app_id),
                    (select a.project_id from meta.accounts a where a.waba_id = b.waba_id and a.app_id = n.app_id order by a.id limit 1)),
           n.event_id, b.waba_id, b.account_external_id, b.field, b.kind, b.event, b.reason,
           coalesce(b.occurred_at, n.received_at), b.payload::jsonb
    from stg_business b join stg_new_events n using (seq) where b.kind in ('account', 'error', 'capability', 'preference') order by b.seq;

    -- user_preferences: a customer stopped (or resumed) marketing messages in WhatsApp; kept as consent, so campaigns
    -- and initiation skip them. The contact is made if the customer never wrote: the stop must hold for any upload.
    if exists (select 1 from stg_business where kind = 'preference') then
        perform chat.record_preference_consents();
    end if;

    -- WhatsApp calls (471_calls_ingest.sql): the call, its thread event and the consoles' ring.
    if exists (select 1 from stg_business where kind = 'call') then
        perform calls.ingest_staged();
    end if;

    -- Restrictions, limits, throughput and template pauses, acted on now; number health follows (434).
    perform ops.apply_business_signals();
end
$$;
