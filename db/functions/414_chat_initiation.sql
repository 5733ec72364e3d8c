-- Safe initiation: starting a conversation with a customer (a known contact, or a new one by phone number) with an
-- approved template, after a pre-flight. The same function answers the console's pre-flight and runs inside the
-- send's transaction, so the API enforces exactly what the console showed.

-- The customer a pre-flight is about: a contact of the project on the account's channel, or the one that phone
-- number would be (WhatsApp keys customers by their number without '+', as ingestion does: chat.contacts.external_id
-- = wa_id), which may not exist yet.
create or replace function chat.initiation_contact(p_project_id bigint, p_channel text, p_contact_id bigint, p_phone text)
returns bigint
language sql stable as $$
    select c.id from chat.contacts c
    where c.project_id = p_project_id and c.channel = p_channel
      and (c.id = p_contact_id or (p_contact_id is null and c.external_id = ltrim(p_phone, '+')))
$$;

-- Whether p_user_id may start this initiation as far as queues go: the customer is one she sees (chat.contact_sight)
-- and the conversation it would land in on this account, if one exists, is one she sees. Starting a customer
-- another team serves would put her template into their conversation and show her its window; a new customer (no
-- contact yet) is anyone's. The Core API answers 404 otherwise, before the pre-flight shows anything.
create or replace function chat.initiation_visible(p_user_id bigint, p_project_id bigint, p_account_id bigint, p_contact_id bigint,
                                                   p_phone text)
returns boolean
language sql stable as $$
    select coalesce((
        select cs.seen
               and not exists (select 1 from chat.conversations cv
                               where cv.account_id = p_account_id and cv.contact_id = c.id
                                 and not chat.in_sight(cv, p_user_id, s.reads, s.all_queues, s.queue_ids))
        from chat.contacts c left join chat.sight(p_user_id, c.project_id) s on true,
             chat.contact_sight(c.id, p_user_id, s.reads, s.all_queues, s.queue_ids) cs
        where c.id = chat.initiation_contact(p_project_id, (select a.channel from meta.accounts a where a.id = p_account_id),
                                             p_contact_id, p_phone)), true)
$$;

-- Every check, in the order the console shows them. passed = false stops the send; code names the refusal;
-- detail says what was compared. Checks that cannot be decided (no template chosen) fail with their code.
--   window            open: free-form is possible too; closed (or no conversation yet): a template is required
--   opt_in            an opt-in is recorded for this contact on this account (or on all)      no_opt_in
--   consent           the customer has not withdrawn (STOP, an agent's record, Meta's 131050)  opted_out
--   number_health     quality RED, or the number FLAGGED / RESTRICTED / BANNED               number_health_critical
--   template          exists in the project and is APPROVED                                  template_not_found / template_not_approved
--   template_account  belongs to the account's WABA                                          template_account_mismatch
--   template_language in the customer's language (contact, attribute, request or project default)  template_language_mismatch
create or replace function chat.initiation_checks(p_project_id bigint, p_account_id bigint, p_contact_id bigint, p_phone text,
                                                  p_template_id bigint, p_language text, p_now timestamptz default now())
returns table (name text, passed boolean, code text, detail jsonb)
language plpgsql stable as $$
declare
    v_account meta.accounts;
    v_contact chat.contacts;
    v_conversation_id bigint;
    v_window record;
    v_consent record;
    v_template meta.templates;
    v_language text;
    v_language_source text;
    v_marketing boolean;
begin
    select * into v_account from meta.accounts where id = p_account_id and project_id = p_project_id;
    select * into v_contact from chat.contacts
    where id = chat.initiation_contact(p_project_id, v_account.channel, p_contact_id, p_phone);
    select id into v_conversation_id from chat.conversations where account_id = p_account_id and contact_id = v_contact.id;
    select * into v_template from meta.templates where id = p_template_id and project_id = p_project_id and status <> 'deleted';
    v_marketing := v_template.category = 'MARKETING';

    -- The window: informative (initiation sends a template either way), so it always passes.
    -- (no conversation or contact yet: the selects find nothing and leave the records null)
    select * into v_window from chat.window_state(v_conversation_id, p_now);
    name := 'window'; passed := true;
    code := case when coalesce(v_window.is_open, false) then 'window_open' else 'template_required' end;
    detail := jsonb_build_object('conversationId', v_conversation_id, 'expiresAt', v_window.expires_at, 'closedSince', v_window.closed_since);
    return next;

    select * into v_consent from chat.consent_state(v_contact.id, p_account_id);
    name := 'opt_in'; passed := coalesce(v_consent.opted_in, false);
    code := case when passed then 'opt_in_recorded' else 'no_opt_in' end;
    detail := jsonb_build_object('contactId', v_contact.id, 'newContact', v_contact.id is null);
    return next;

    name := 'consent';
    passed := not coalesce(v_consent.opted_out, false) and not (v_marketing and coalesce(v_consent.marketing_opted_out, false));
    code := case when passed then 'not_withdrawn' else 'opted_out' end;
    detail := jsonb_build_object('lastAction', v_consent.last_action, 'lastSource', v_consent.last_source, 'lastAt', v_consent.last_at,
                                 'marketingOnly', passed is false and not coalesce(v_consent.opted_out, false));
    return next;

    -- The level number health computed (434_number_health.sql), the same one that stops campaigns; Meta's own
    -- signals decide too when no snapshot was taken yet.
    name := 'number_health';
    passed := not (coalesce(v_account.health_level, '') = 'critical'
                   or upper(coalesce(v_account.quality_rating, '')) = 'RED'
                   or upper(coalesce(v_account.status, '')) in ('FLAGGED', 'RESTRICTED', 'BANNED', 'DISABLED')
                   or upper(coalesce(v_account.last_quality_event, '')) = 'FLAGGED'
                   or (v_account.restriction is not null and coalesce(v_account.restriction_until, 'infinity') > p_now));
    code := case when not passed then 'number_health_critical'
                 when coalesce(v_account.health_level, '') = 'at_risk' or upper(coalesce(v_account.quality_rating, '')) = 'YELLOW' then 'number_health_warning'
                 else 'number_health_ok' end;
    detail := jsonb_build_object('qualityRating', v_account.quality_rating, 'status', v_account.status,
                                 'lastQualityEvent', v_account.last_quality_event, 'level', v_account.health_level,
                                 'score', v_account.health_score, 'restriction', v_account.restriction);
    return next;

    name := 'template'; passed := v_template.status = 'APPROVED';
    code := case when v_template.id is null then 'template_not_found' when passed then 'template_approved' else 'template_not_approved' end;
    passed := coalesce(passed, false);
    detail := jsonb_build_object('templateId', v_template.id, 'name', v_template.name, 'status', v_template.status,
                                 'category', v_template.category);
    return next;

    name := 'template_account'; passed := v_template.id is not null and v_template.waba_id = v_account.waba_id;
    code := case when passed then 'template_account_ok' else 'template_account_mismatch' end;
    detail := jsonb_build_object('templateWabaId', v_template.waba_id, 'accountWabaId', v_account.waba_id);
    return next;

    -- The customer's language: what the agent says (request), else the contact's, else a 'language' attribute, else
    -- the project's default. A template for the base language (es) serves a regional one (es_MX) and back.
    select l, s into v_language, v_language_source
    from (values (nullif(p_language, ''), 'request'), (v_contact.language, 'contact'),
                 (nullif(v_contact.attributes ->> 'language', ''), 'attribute'),
                 ((select default_language from core.projects where id = p_project_id), 'project_default')) as x(l, s)
    where l is not null limit 1;
    name := 'template_language';
    passed := v_template.id is not null and (lower(v_template.language) = lower(v_language)
              or split_part(lower(v_template.language), '_', 1) = split_part(lower(v_language), '_', 1));
    code := case when passed then 'template_language_ok' else 'template_language_mismatch' end;
    detail := jsonb_build_object('customerLanguage', v_language, 'source', v_language_source, 'templateLanguage', v_template.language);
    return next;
end
$$;

-- Starts the conversation when every check passes: finds or creates the contact and the conversation exactly as
-- ingestion keys them (project + channel + wa_id; account + contact), so the customer's reply lands in the same
-- conversation; routes a new conversation and assigns it to the agent who started it; sends the template through
-- chat.send_template (lock, outbox, change feed). failed: the checks that did not pass (nothing is written then).
-- Idempotent on p_client_message_id: a retried request returns the message it created, before any check.
create or replace function chat.initiate_conversation(p_project_id bigint, p_account_id bigint, p_contact_id bigint, p_phone text,
                                                      p_template_id bigint, p_language text, p_parameters jsonb,
                                                      p_client_message_id text, p_user_id bigint, p_now timestamptz default now(),
                                                      out conversation_id bigint, out message_id bigint, out created boolean,
                                                      out failed jsonb)
language plpgsql as $$
declare
    v_account meta.accounts;
    v_contact_id bigint;
    v_new boolean := false;
begin
    select * into v_account from meta.accounts where id = p_account_id and project_id = p_project_id;
    v_contact_id := chat.initiation_contact(p_project_id, v_account.channel, p_contact_id, p_phone);
    if v_contact_id is not null then
        select cv.id into conversation_id from chat.conversations cv where cv.account_id = p_account_id and cv.contact_id = v_contact_id;
        select m.id into message_id from chat.messages m
        where m.conversation_id = initiate_conversation.conversation_id and m.client_message_id = p_client_message_id;
        if message_id is not null then created := false; return; end if;
    end if;

    select jsonb_agg(jsonb_build_object('name', c.name, 'code', c.code, 'detail', c.detail))
    into failed
    from chat.initiation_checks(p_project_id, p_account_id, p_contact_id, p_phone, p_template_id, p_language, p_now) c
    where not c.passed;
    if failed is not null then created := false; return; end if;

    if v_contact_id is null then
        insert into chat.contacts (project_id, channel, external_id, phone)
        values (p_project_id, v_account.channel, ltrim(p_phone, '+'), ltrim(p_phone, '+'))
        on conflict (project_id, channel, external_id) do nothing;
        v_contact_id := chat.initiation_contact(p_project_id, v_account.channel, null, p_phone);
    end if;
    if conversation_id is null then
        insert into chat.conversations as cv (project_id, account_id, contact_id, channel)
        values (p_project_id, p_account_id, v_contact_id, v_account.channel)
        on conflict (account_id, contact_id) do nothing
        returning cv.id into conversation_id;
        v_new := conversation_id is not null;
        if not v_new then
            select cv.id into conversation_id from chat.conversations cv where cv.account_id = p_account_id and cv.contact_id = v_contact_id;
        end if;
    end if;
    if v_new then
        perform chat.route_conversations(array[conversation_id]);
        update chat.conversations set assigned_user_id = p_user_id, assigned_at = now()
        where id = conversation_id and assigned_user_id is null and p_user_id is not null;
        if found then
            insert into chat.conversation_events (project_id, conversation_id, actor_user_id, action, user_id)
            values (p_project_id, conversation_id, p_user_id, 'assigned', p_user_id);
        end if;
    end if;

    select s.message_id, s.created into message_id, created
    from chat.send_template(conversation_id, p_user_id, p_client_message_id, p_template_id, coalesce(p_parameters, '{}'),
                         p_now, p_language) s;
end
$$;
