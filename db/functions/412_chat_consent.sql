-- Consent per contact (a contact is per channel) and account: the history in chat.consent_events, opt-out keywords
-- from customers' messages, and what initiation reads.

-- What a keyword is compared as: lower case, accents folded, inner spaces collapsed, surrounding spaces and
-- punctuation dropped ("¡Baja!" = "baja", "Stop all." = "stop all").
create or replace function chat.normalize_keyword(p_text text) returns text
language sql stable as $$
    select nullif(regexp_replace(regexp_replace(lower(public.unaccent(p_text)), '\s+', ' ', 'g'),
                                 '^[[:space:][:punct:]¡¿]+|[[:space:][:punct:]¡¿]+$', '', 'g'), '')
$$;

-- English and Spanish, Meta's and carriers' usual words. A project that lists its own keywords replaces these.
create or replace function chat.consent_keyword_defaults()
returns table (keyword text, action text)
language sql immutable as $$
    values ('stop', 'opt_out'), ('stop all', 'opt_out'), ('unsubscribe', 'opt_out'), ('cancel', 'opt_out'),
           ('end', 'opt_out'), ('quit', 'opt_out'), ('opt out', 'opt_out'),
           ('baja', 'opt_out'), ('darme de baja', 'opt_out'), ('cancelar', 'opt_out'), ('alto', 'opt_out'),
           ('parar', 'opt_out'), ('no mas', 'opt_out'),
           ('start', 'opt_in'), ('subscribe', 'opt_in'), ('unstop', 'opt_in'), ('alta', 'opt_in'), ('suscribir', 'opt_in')
$$;

-- The keywords in force for a project: its own rows, else the defaults.
create or replace function chat.consent_keywords_for(p_project_id bigint)
returns table (keyword text, action text)
language sql stable as $$
    select k.keyword, k.action from chat.consent_keywords k where k.project_id = p_project_id
    union all
    select d.keyword, d.action from chat.consent_keyword_defaults() d
    where not exists (select 1 from chat.consent_keywords k where k.project_id = p_project_id)
$$;

-- Replaces a project's keyword list (an empty list returns it to the defaults).
create or replace function chat.set_consent_keywords(p_project_id bigint, p_opt_out text[], p_opt_in text[]) returns void
language plpgsql as $$
begin
    delete from chat.consent_keywords where project_id = p_project_id;
    insert into chat.consent_keywords (project_id, keyword, action)
    select p_project_id, k, 'opt_out' from (select distinct chat.normalize_keyword(x) k from unnest(p_opt_out) x) o where k is not null
    union all
    select p_project_id, k, 'opt_in' from (select distinct chat.normalize_keyword(x) k from unnest(p_opt_in) x) i where k is not null
    on conflict (project_id, keyword) do nothing;
end
$$;

-- Part of ingestion (chat.ingest_staged_messages, after the messages of a batch are inserted): a customer whose whole
-- message is an opt-out or opt-in keyword has it recorded, set-based over stg_new_messages. Only short inbound texts
-- are looked at, so a batch of ordinary messages costs one filtered scan of the staging table.
create or replace function chat.record_keyword_consents() returns int
language plpgsql as $$
declare
    recorded int;
begin
    with hits as (
        select nm.project_id, nm.account_id, nm.conversation_id, nm.id as message_id, nm.body, k.action
        from stg_new_messages nm
        join lateral chat.consent_keywords_for(nm.project_id) k on k.keyword = chat.normalize_keyword(nm.body)
        where nm.direction = 'in' and nm.type = 'text' and length(nm.body) <= 40
    ), ins as (
        insert into chat.consent_events (project_id, contact_id, account_id, scope, action, source, evidence, message_id)
        select h.project_id, cv.contact_id, h.account_id, 'all', h.action, 'keyword', left(h.body, 1000), h.message_id
        from hits h join chat.conversations cv on cv.id = h.conversation_id
        order by h.message_id
        returning project_id, message_id, action, scope
    )
    select ops.emit_changes(array_agg(i.project_id order by i.message_id), 'consent_changed',
                            array_agg(m.conversation_id order by i.message_id), array_agg(i.message_id order by i.message_id),
                            array_agg(jsonb_build_object('action', i.action, 'scope', i.scope) order by i.message_id))
    into recorded
    from ins i join chat.messages m on m.id = i.message_id;
    return recorded;
end
$$;

-- Consent of a contact towards an account at the moment: the latest event per scope that applies (the account's own,
-- or one for every account). opted_in: an opt-in is the latest 'all' event; opted_out: an opt-out is; marketing_opted_out:
-- the latest marketing-or-all event is an opt-out.
create or replace function chat.consent_state(p_contact_id bigint, p_account_id bigint)
returns table (opted_in boolean, opted_out boolean, marketing_opted_out boolean, last_action text, last_source text,
               last_at timestamptz)
language sql stable as $$
    with relevant as (
        select e.* from chat.consent_events e
        where e.contact_id = p_contact_id and (e.account_id is null or p_account_id is null or e.account_id = p_account_id)
    ), latest_all as (
        select * from relevant where scope = 'all' order by id desc limit 1
    ), latest_marketing as (
        select * from relevant order by id desc limit 1
    )
    select coalesce((select action = 'opt_in' from latest_all), false),
           coalesce((select action = 'opt_out' from latest_all), false),
           coalesce((select action = 'opt_out' from latest_marketing), false),
           (select action from latest_marketing), (select source from latest_marketing), (select created_at from latest_marketing)
$$;

-- Records an opt-in or opt-out by an agent, an import or an API client.
create or replace function chat.record_consent(p_contact_id bigint, p_account_id bigint, p_scope text, p_action text,
                                               p_source text, p_evidence text, p_user_id bigint) returns bigint
language plpgsql as $$
declare
    v_id bigint;
    v_project bigint;
begin
    insert into chat.consent_events (project_id, contact_id, account_id, scope, action, source, evidence, user_id)
    select c.project_id, c.id, p_account_id, p_scope, p_action, p_source, p_evidence, p_user_id
    from chat.contacts c where c.id = p_contact_id
    returning id, project_id into v_id, v_project;
    perform ops.emit_change(v_project, 'consent_changed', cv.id, null, jsonb_build_object('action', p_action, 'scope', p_scope))
    from chat.conversations cv where cv.contact_id = p_contact_id;
    return v_id;
end
$$;

create or replace function chat.consent_history(p_contact_id bigint, p_limit int)
returns table (id bigint, account_id bigint, scope text, action text, source text, evidence text, message_id bigint,
               user_id bigint, user_name text, created_at timestamptz)
language sql stable as $$
    select e.id, e.account_id, e.scope, e.action, e.source, e.evidence, e.message_id, e.user_id, u.display_name, e.created_at
    from chat.consent_events e left join core.users u on u.id = e.user_id
    where e.contact_id = p_contact_id
    order by e.id desc
    limit p_limit
$$;

-- Which project and channel a contact belongs to (the Core API checks the caller's grants on it).
create or replace function chat.contact_scope(p_contact_id bigint)
returns table (project_id bigint, channel text, language text)
language sql stable as $$
    select project_id, channel, language from chat.contacts where id = p_contact_id
$$;

-- The same, only when p_user_id may see the contact (chat.sees_contact): the consent, language and initiation
-- endpoints answer 404 for a customer whose conversations all sit in other teams' queues.
create or replace function chat.visible_contact_scope(p_contact_id bigint, p_user_id bigint)
returns table (project_id bigint, channel text, language text)
language sql stable as $$
    select project_id, channel, language from chat.contacts where id = p_contact_id and chat.sees_contact(p_user_id, id)
$$;

create or replace function meta.account_scope(p_account_id bigint)
returns table (project_id bigint, channel text, waba_id text)
language sql stable as $$
    select project_id, channel, waba_id from meta.accounts where id = p_account_id
$$;

-- Part of meta.ingest_staged_business: user_preferences rows (stg_business kind 'preference'). stop withdraws
-- marketing (category marketing_messages) — or everything for another category —, resume gives it back; the
-- account is the number the preference names, under the app that signed the event.
create or replace function chat.record_preference_consents() returns void
language plpgsql as $$
declare
    v_pushed int;
begin
    insert into chat.contacts (project_id, channel, external_id, phone)
    select distinct a.project_id, 'whatsapp', b.customer_external_id, b.customer_external_id
    from stg_business b join stg_new_events n using (seq)
    join meta.accounts a on a.channel = 'whatsapp' and a.external_id = b.account_external_id and a.app_id = n.app_id
    where b.kind = 'preference' and b.customer_external_id is not null
    on conflict (project_id, channel, external_id) do nothing;

    with ins as (
        insert into chat.consent_events (project_id, contact_id, account_id, scope, action, source, evidence)
        select a.project_id, c.id, a.id,
               case when coalesce(b.reason, 'marketing_messages') = 'marketing_messages' then 'marketing' else 'all' end,
               case when lower(b.event) = 'resume' then 'opt_in' else 'opt_out' end, 'meta_preference',
               left(coalesce(b.payload::jsonb ->> 'detail', 'user_preferences ' || b.event), 1000)
        from stg_business b join stg_new_events n using (seq)
        join meta.accounts a on a.channel = 'whatsapp' and a.external_id = b.account_external_id and a.app_id = n.app_id
        join chat.contacts c on c.project_id = a.project_id and c.channel = 'whatsapp' and c.external_id = b.customer_external_id
        where b.kind = 'preference' and lower(b.event) in ('stop', 'resume')
        order by b.seq
        returning project_id, contact_id, action, scope
    )
    select count(ops.emit_change(i.project_id, 'consent_changed', cv.id, null, jsonb_build_object('action', i.action, 'scope', i.scope)))
    into v_pushed from ins i left join chat.conversations cv on cv.contact_id = i.contact_id;
end
$$;
