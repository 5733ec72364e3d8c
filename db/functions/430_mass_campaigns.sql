-- Campaigns (mass sends): authoring, the audience and its validation report, the lifecycle. The Worker's side (claims,
-- sends, auto-stop) is in 432_mass_send.sql; number health in 434_number_health.sql.
--
-- Lifecycle: draft → submitted → approved → scheduled → sending → completed; paused (by a person, or by itself:
-- needs_ack), stopped (pending recipients stay unsent), cancelled (never started). Refusals are codes the console
-- translates; every write lands in the command log with the campaign before and after.

-- What the command log keeps of a campaign (everything a reviewer would compare; no audience rows).
create or replace function mass.campaign_json(p_campaign mass.campaigns) returns jsonb
language sql immutable as $$
    select case when p_campaign.id is null then null else jsonb_build_object(
        'name', p_campaign.name, 'status', p_campaign.status, 'revision', p_campaign.revision,
        'accountId', p_campaign.account_id, 'templateId', p_campaign.template_id, 'variables', p_campaign.variables,
        'ratePerSecond', p_campaign.rate_per_second, 'dailyCap', p_campaign.daily_cap,
        'marketingLimitPolicy', p_campaign.marketing_limit_policy, 'scheduledAt', p_campaign.scheduled_at,
        'windowStart', p_campaign.window_start, 'windowEnd', p_campaign.window_end,
        'stopCode', p_campaign.stop_code, 'needsAck', p_campaign.needs_ack) end
$$;

create or replace function mass.campaign_scope(p_campaign_id bigint) returns bigint
language sql stable as $$
    select project_id from mass.campaigns where id = p_campaign_id
$$;

-- The number's throughput (messages per second) as Meta grants it: the account's setting, else 80.
create or replace function mass.account_throughput(p_account meta.accounts) returns numeric
language sql immutable as $$
    select coalesce(p_account.messages_per_second, case when upper(coalesce(p_account.throughput_level, '')) = 'HIGH' then 1000 else 80 end)
$$;

-- Checks shared by create and edit. Refusals: account_not_whatsapp, template_not_found, template_account_mismatch,
-- template_category (authentication templates are not campaign material), template_not_approved, rate_above_throughput.
create or replace function mass.check_campaign(p_project_id bigint, p_account_id bigint, p_template_id bigint, p_rate numeric)
returns text
language plpgsql stable as $$
declare
    v_account meta.accounts;
    v_template meta.templates;
begin
    select * into v_account from meta.accounts where id = p_account_id and project_id = p_project_id and channel = 'whatsapp';
    if v_account.id is null then return 'account_not_whatsapp'; end if;
    select * into v_template from meta.templates where id = p_template_id and project_id = p_project_id and status <> 'deleted';
    if v_template.id is null then return 'template_not_found'; end if;
    if v_template.waba_id is distinct from v_account.waba_id then return 'template_account_mismatch'; end if;
    if v_template.category not in ('MARKETING', 'UTILITY') then return 'template_category'; end if;
    if v_template.status <> 'APPROVED' then return 'template_not_approved'; end if;
    if p_rate > mass.account_throughput(v_account) then return 'rate_above_throughput'; end if;
    return null;
end
$$;

create or replace function mass.create_campaign(p_project_id bigint, p_account_id bigint, p_template_id bigint, p_name text,
                                                p_variables jsonb, p_rate numeric, p_daily_cap int, p_policy text,
                                                p_scheduled_at timestamptz, p_window_start time, p_window_end time, p_user_id bigint,
                                                out campaign_id bigint, out refusal text)
language plpgsql as $$
declare
    v_row mass.campaigns;
begin
    refusal := mass.check_campaign(p_project_id, p_account_id, p_template_id, p_rate);
    if refusal is not null then return; end if;
    insert into mass.campaigns (project_id, account_id, template_id, name, variables, rate_per_second, daily_cap,
                                marketing_limit_policy, scheduled_at, window_start, window_end, created_by)
    values (p_project_id, p_account_id, p_template_id, p_name, coalesce(p_variables, '{}'), p_rate, p_daily_cap,
            coalesce(p_policy, 'reschedule'), p_scheduled_at, p_window_start, p_window_end, p_user_id)
    returning * into v_row;
    campaign_id := v_row.id;
    perform ops.record_command(p_project_id, p_user_id, 'campaign.create', 'campaign', v_row.id::text, null, mass.campaign_json(v_row));
end
$$;

-- An edit (name, template, variables, rate, schedule, window). Allowed until the campaign starts sending; an edit of
-- a submitted, approved or scheduled campaign sends it back to draft: what was approved is no longer what would go
-- out. Refusals: not_found, not_editable, and mass.check_campaign's.
create or replace function mass.update_campaign(p_campaign_id bigint, p_project_id bigint, p_account_id bigint, p_template_id bigint,
                                                p_name text, p_variables jsonb, p_rate numeric, p_daily_cap int, p_policy text,
                                                p_scheduled_at timestamptz, p_window_start time, p_window_end time, p_user_id bigint)
returns text
language plpgsql as $$
declare
    v_before mass.campaigns;
    v_after mass.campaigns;
    v_refusal text;
begin
    select * into v_before from mass.campaigns where id = p_campaign_id and project_id = p_project_id for update;
    if v_before.id is null then return 'not_found'; end if;
    if v_before.status not in ('draft', 'submitted', 'approved', 'scheduled') then return 'not_editable'; end if;
    v_refusal := mass.check_campaign(p_project_id, p_account_id, p_template_id, p_rate);
    if v_refusal is not null then return v_refusal; end if;
    update mass.campaigns
    set account_id = p_account_id, template_id = p_template_id, name = p_name, variables = coalesce(p_variables, '{}'),
        rate_per_second = p_rate, daily_cap = p_daily_cap, marketing_limit_policy = coalesce(p_policy, 'reschedule'),
        scheduled_at = p_scheduled_at, window_start = p_window_start, window_end = p_window_end,
        revision = revision + 1, status = 'draft', approved_by = null, approved_at = null, approved_revision = null,
        submitted_by = null, submitted_at = null, updated_at = now()
    where id = p_campaign_id
    returning * into v_after;
    perform ops.record_command(p_project_id, p_user_id, 'campaign.update', 'campaign', p_campaign_id::text,
                               mass.campaign_json(v_before), mass.campaign_json(v_after));
    return null;
end
$$;

-- One lifecycle step. p_action: submit, approve, reject, schedule, pause, resume, stop, cancel.
-- Refusals: not_found; invalid_transition (the status does not allow it); audience_empty (submit without a
-- sendable recipient); own_campaign (the author or submitter approving); acknowledgement_required (resuming a
-- campaign that stopped itself without acknowledging why); number_health_critical (resuming or scheduling on a
-- critical number); template_not_approved (the template changed status since).
create or replace function mass.transition_campaign(p_campaign_id bigint, p_project_id bigint, p_action text, p_user_id bigint,
                                                    p_note text default null, p_at timestamptz default null,
                                                    p_acknowledge boolean default false)
returns text
language plpgsql as $$
declare
    v_before mass.campaigns;
    v_after mass.campaigns;
    v_account meta.accounts;
begin
    select * into v_before from mass.campaigns where id = p_campaign_id and project_id = p_project_id for update;
    if v_before.id is null then return 'not_found'; end if;
    select * into v_account from meta.accounts where id = v_before.account_id;
    v_after := v_before;
    case p_action
    when 'submit' then
        if v_before.status <> 'draft' then return 'invalid_transition'; end if;
        if not exists (select 1 from mass.recipients where campaign_id = p_campaign_id and status = 'pending') then
            return 'audience_empty';
        end if;
        v_after.status := 'submitted'; v_after.submitted_by := p_user_id; v_after.submitted_at := now(); v_after.review_note := null;
    when 'approve' then
        if v_before.status <> 'submitted' then return 'invalid_transition'; end if;
        if p_user_id in (v_before.created_by, v_before.submitted_by) then return 'own_campaign'; end if;
        if not exists (select 1 from meta.templates where id = v_before.template_id and status = 'APPROVED') then
            return 'template_not_approved';
        end if;
        v_after.status := 'approved'; v_after.approved_by := p_user_id; v_after.approved_at := now();
        v_after.approved_revision := v_before.revision; v_after.review_note := p_note;
    when 'reject' then
        if v_before.status <> 'submitted' then return 'invalid_transition'; end if;
        if p_user_id in (v_before.created_by, v_before.submitted_by) then return 'own_campaign'; end if;
        v_after.status := 'draft'; v_after.review_note := p_note; v_after.submitted_by := null; v_after.submitted_at := null;
    when 'schedule' then
        if v_before.status <> 'approved' or v_before.approved_revision is distinct from v_before.revision then
            return 'invalid_transition';
        end if;
        if v_account.health_level = 'critical' then return 'number_health_critical'; end if;
        v_after.status := 'scheduled'; v_after.scheduled_at := coalesce(p_at, v_before.scheduled_at, now());
    when 'pause' then
        if v_before.status not in ('scheduled', 'sending') then return 'invalid_transition'; end if;
        v_after.status := 'paused'; v_after.paused_at := now(); v_after.paused_by := p_user_id;
        v_after.stop_code := 'paused_by_user'; v_after.stop_reason := p_note;
    when 'resume' then
        if v_before.status <> 'paused' then return 'invalid_transition'; end if;
        if v_before.needs_ack and not p_acknowledge then return 'acknowledgement_required'; end if;
        if v_account.health_level = 'critical' then return 'number_health_critical'; end if;
        if not exists (select 1 from meta.templates where id = v_before.template_id and status = 'APPROVED') then
            return 'template_not_approved';
        end if;
        v_after.status := case when v_before.started_at is null then 'scheduled' else 'sending' end;
        if v_before.needs_ack then
            v_after.needs_ack := false; v_after.acknowledged_by := p_user_id; v_after.acknowledged_at := now();
        end if;
        v_after.paused_at := null; v_after.paused_by := null; v_after.stop_code := null; v_after.stop_reason := null;
    when 'stop' then
        if v_before.status not in ('scheduled', 'sending', 'paused') then return 'invalid_transition'; end if;
        v_after.status := 'stopped'; v_after.completed_at := now();
        v_after.stop_code := coalesce(v_before.stop_code, 'stopped_by_user'); v_after.stop_reason := coalesce(p_note, v_before.stop_reason);
    when 'cancel' then
        if v_before.status not in ('draft', 'submitted', 'approved', 'scheduled') then return 'invalid_transition'; end if;
        v_after.status := 'cancelled'; v_after.completed_at := now();
    else
        return 'invalid_transition';
    end case;

    update mass.campaigns
    set status = v_after.status, submitted_by = v_after.submitted_by, submitted_at = v_after.submitted_at,
        approved_by = v_after.approved_by, approved_at = v_after.approved_at, approved_revision = v_after.approved_revision,
        review_note = v_after.review_note, scheduled_at = v_after.scheduled_at, paused_at = v_after.paused_at,
        paused_by = v_after.paused_by, stop_code = v_after.stop_code, stop_reason = v_after.stop_reason,
        needs_ack = v_after.needs_ack, acknowledged_by = v_after.acknowledged_by, acknowledged_at = v_after.acknowledged_at,
        completed_at = v_after.completed_at, updated_at = now()
    where id = p_campaign_id;
    perform ops.record_command(p_project_id, p_user_id, 'campaign.' || p_action, 'campaign', p_campaign_id::text,
                               mass.campaign_json(v_before), mass.campaign_json(v_after));
    perform ops.emit_change(p_project_id, 'campaign_changed', null, null,
                            jsonb_build_object('campaignId', p_campaign_id, 'status', v_after.status));
    perform pg_notify('mass', p_campaign_id::text);
    return null;
end
$$;

-- The template a recipient gets: the campaign template's name on the same WABA in the recipient's language (exact,
-- then the base language: es serves es_MX and back), approved; else the campaign's own template.
create or replace function mass.template_for_language(p_template_id bigint, p_language text) returns bigint
language sql stable as $$
    select coalesce((
        select t.id from meta.templates t join meta.templates c on c.id = p_template_id
        where t.waba_id = c.waba_id and t.name = c.name and t.status = 'APPROVED' and p_language is not null
          and (lower(t.language) = lower(p_language) or split_part(lower(t.language), '_', 1) = split_part(lower(p_language), '_', 1))
        order by lower(t.language) = lower(p_language) desc, t.id
        limit 1), p_template_id)
$$;

-- A variable's value for one audience row. p_mapping: the campaign's entry for the key ({"column"}, {"source"},
-- {"value"}; null reads the column named like the key); p_columns: the row's CSV columns (header → value).
create or replace function mass.variable_value(p_key text, p_mapping jsonb, p_columns jsonb, p_name text, p_contact chat.contacts)
returns text
language sql stable as $$
    select nullif(btrim(case
        when p_mapping ? 'value' then p_mapping ->> 'value'
        when p_mapping ? 'column' then p_columns ->> (p_mapping ->> 'column')
        when p_mapping ->> 'source' = 'contact.name' then coalesce(nullif(p_name, ''), p_contact.display_name)
        when p_mapping ->> 'source' = 'contact.first_name' then split_part(btrim(coalesce(nullif(p_name, ''), p_contact.display_name, '')), ' ', 1)
        when p_mapping ->> 'source' = 'contact.phone' then coalesce(p_contact.phone, p_contact.external_id)
        when p_mapping ->> 'source' like 'attribute:%' then p_contact.attributes ->> substr(p_mapping ->> 'source', 11)
        else p_columns ->> p_key end), '')
$$;

-- Validates the rows staged in stg_audience (a temp table the caller filled: by COPY from an uploaded CSV, or by
-- mass.stage_contacts) and adds them to the campaign, each with its verdict. Reasons, first that applies:
--   invalid_number     the phone could not be read as an international number (set by the caller, who parses it)
--   duplicate          the number is already in this campaign (earlier in the file, or from another upload)
--   opted_out          the customer withdrew (STOP keyword, an agent's record, user_preferences stop, Meta's 131050;
--                      a withdrawal from marketing counts for a marketing template only)
--   no_opt_in          the project requires a recorded opt-in and there is none
--   missing_variable:<key>  a template variable has no value for this row
-- Nothing excluded is ever sent. p_replace: the audience so far is dropped first (draft only; the caller checks).
create or replace function mass.apply_audience(p_campaign_id bigint, p_replace boolean)
returns table (added int, excluded int)
language plpgsql as $$
declare
    v_campaign mass.campaigns;
    v_template meta.templates;
    v_project core.projects;
    v_keys text[];
begin
    select * into v_campaign from mass.campaigns where id = p_campaign_id;
    select * into v_template from meta.templates where id = v_campaign.template_id;
    select * into v_project from core.projects where id = v_campaign.project_id;
    select coalesce(array_agg(v.key order by v.ord), '{}') into v_keys
    from meta.template_variables(v_template.components, v_template.parameter_format) v;
    if p_replace then
        delete from mass.recipients where campaign_id = p_campaign_id;
    end if;

    update stg_audience s set contact_id = c.id
    from chat.contacts c
    where s.contact_id is null and s.wa_id is not null
      and c.project_id = v_campaign.project_id and c.channel = 'whatsapp' and c.external_id = s.wa_id;

    with rows as (
        select s.*, c as contact,
               coalesce(nullif(btrim(s.language), ''), c.language, nullif(c.attributes ->> 'language', ''), v_project.default_language) as lang,
               -- First row of a number in this upload; later ones are duplicates.
               row_number() over (partition by s.wa_id order by s.row_number nulls last, s.contact_id) as nth
        from stg_audience s left join chat.contacts c on c.id = s.contact_id
    ), judged as (
        select r.*, vars.values, vars.missing, cs.opted_out, cs.marketing_opted_out, cs.opted_in
        from rows r
        left join lateral (
            select jsonb_object_agg(k, mass.variable_value(k, v_campaign.variables -> k, r.columns, r.name, r.contact))
                       filter (where mass.variable_value(k, v_campaign.variables -> k, r.columns, r.name, r.contact) is not null) as values,
                   min(k) filter (where mass.variable_value(k, v_campaign.variables -> k, r.columns, r.name, r.contact) is null) as missing
            from unnest(v_keys) k) vars on true
        left join lateral chat.consent_state(r.contact_id, v_campaign.account_id) cs on r.contact_id is not null
    ), ins as (
        insert into mass.recipients (campaign_id, project_id, row_number, source, phone_raw, wa_id, name, language, time_zone,
                                     variables, template_id, contact_id, status, reason)
        select p_campaign_id, v_campaign.project_id, j.row_number, j.source, left(j.phone_raw, 64), j.wa_id, left(j.name, 200), j.lang,
               j.time_zone, coalesce(j.values, '{}'), mass.template_for_language(v_campaign.template_id, j.lang), j.contact_id,
               case when v.reason is null then 'pending' else 'excluded' end, v.reason
        from judged j,
        lateral (select case
            when j.wa_id is null then coalesce(j.problem, 'invalid_number')
            when j.nth > 1 or exists (select 1 from mass.recipients x where x.campaign_id = p_campaign_id and x.wa_id = j.wa_id
                                                                       and x.status <> 'excluded') then 'duplicate'
            when coalesce(j.opted_out, false) or (v_template.category = 'MARKETING' and coalesce(j.marketing_opted_out, false)) then 'opted_out'
            when v_project.mass_requires_opt_in and not coalesce(j.opted_in, false) then 'no_opt_in'
            when j.missing is not null then 'missing_variable:' || j.missing
            end as reason) v
        order by j.row_number nulls last, j.contact_id
        returning status
    )
    select count(*) filter (where status = 'pending')::int, count(*) filter (where status = 'excluded')::int
    into added, excluded from ins;

    update mass.campaigns set audience_uploaded_at = now(), updated_at = now() where id = p_campaign_id;
    perform ops.record_command(v_campaign.project_id, null, 'campaign.audience', 'campaign', p_campaign_id::text, null,
                               jsonb_build_object('added', added, 'excluded', excluded, 'replace', p_replace));
    return next;
end
$$;

-- Stages an audience from the project's WhatsApp contacts (for mass.apply_audience): those with a conversation on
-- any number of the project that has every tag given (p_tag_ids), in the queue given, whose customer last wrote
-- within the dates given, and whose attribute p_attribute_key equals p_attribute_value. Null filters match all.
create or replace function mass.stage_contacts(p_project_id bigint, p_tag_ids bigint[], p_queue_id bigint,
                                               p_attribute_key text, p_attribute_value text,
                                               p_last_contact_after timestamptz, p_last_contact_before timestamptz)
returns int
language plpgsql as $$
declare
    v_count int;
begin
    insert into stg_audience (row_number, source, phone_raw, wa_id, name, language, time_zone, columns, contact_id)
    select null, 'contacts', '+' || c.external_id, c.external_id, c.display_name, c.language, null, '{}', c.id
    from chat.contacts c
    where c.project_id = p_project_id and c.channel = 'whatsapp' and c.external_id ~ '^[1-9][0-9]{6,14}$'
      and (p_attribute_key is null or c.attributes ->> p_attribute_key = p_attribute_value)
      and exists (
          select 1 from chat.conversations cv
          where cv.contact_id = c.id
            and (p_queue_id is null or cv.queue_id = p_queue_id)
            and (p_last_contact_after is null or cv.last_inbound_at >= p_last_contact_after)
            and (p_last_contact_before is null or cv.last_inbound_at < p_last_contact_before)
            and (coalesce(cardinality(p_tag_ids), 0) = 0
                 or (select count(*) from chat.conversation_tags t where t.conversation_id = cv.id and t.tag_id = any(p_tag_ids))
                    = (select count(distinct x) from unnest(p_tag_ids) x)));
    get diagnostics v_count = row_count;
    return v_count;
end
$$;

-- The audience's verdicts: how many rows per status and reason (the validation report's summary).
create or replace function mass.audience_summary(p_campaign_id bigint)
returns table (status text, reason text, n bigint)
language sql stable as $$
    select status, case when reason like 'missing_variable:%' then 'missing_variable' else reason end, count(*)
    from mass.recipients where campaign_id = p_campaign_id
    group by 1, 2 order by 1, 2
$$;

-- The funnel: targeted → sent → delivered → read → replied, failures by code, and what is still to go.
create or replace function mass.campaign_funnel(p_campaign_id bigint)
returns table (targeted bigint, excluded bigint, pending bigint, sending bigint, sent bigint, delivered bigint, read bigint,
               replied bigint, failed bigint, skipped bigint, held bigint, failures jsonb)
language sql stable as $$
    select count(*) filter (where status <> 'excluded'),
           count(*) filter (where status = 'excluded'),
           count(*) filter (where status = 'pending'),
           count(*) filter (where status = 'sending'),
           count(*) filter (where sent_at is not null or status in ('accepted', 'held', 'sent', 'delivered', 'read')),
           count(*) filter (where delivered_at is not null),
           count(*) filter (where read_at is not null),
           count(*) filter (where replied_at is not null),
           count(*) filter (where status = 'failed'),
           count(*) filter (where status = 'skipped'),
           count(*) filter (where status = 'held'),
           coalesce((select jsonb_object_agg(coalesce(code::text, reason, 'unknown'), n) from (
                        select error_code as code, reason, count(*) as n from mass.recipients
                        where campaign_id = p_campaign_id and status in ('failed', 'skipped')
                        group by 1, 2) f), '{}')
    from mass.recipients where campaign_id = p_campaign_id
$$;
