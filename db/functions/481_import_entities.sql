-- The importer's set-based step per entity (docs/import.md), one call per batch each, in dependency order, on the
-- staging tables of 480_import_staging.sql. Every staged row ends with one outcome:
--   present  — its source id is already in legacy.id_maps (an earlier run imported it): nothing is written;
--   new      — a row was created for it and mapped;
--   matched  — the platform already had the row (same number, same customer, same Meta message id, same e-mail…):
--              mapped to it, nothing duplicated;
--   rejected — with a stable reason code, written to ops.import_rejects by ops.import_apply_batch.
-- Nothing here emits change-feed rows, routes, assigns, records keyword consents or wakes bots and AI agents: imported
-- history is history (ops.import_finish emits one summary row per run).

-- Source ids already mapped: the same marking for every kind. One primary-key probe per staged row, written as a
-- correlated subquery so the plan cannot turn into a scan of the whole map, which grows with every batch.
create or replace function legacy.import_mark_present(p_project bigint, p_system text, p_kind text, p_table regclass)
returns void
language plpgsql as $$
begin
    -- The project's first run of this source system (ops.import_apply_batch sets it): nothing can be present but what
    -- this run mapped, and the reader refuses those lines as duplicates.
    if current_setting('mm.import_first_run', true) = 'on' then
        return;
    end if;
    execute format('update %1$s s set new_id = x.new_id, outcome = ''present''
                    from (select st.line, (select m.new_id from legacy.id_maps m
                                           where m.project_id = $1 and m.source_system = $2 and m.kind = $3
                                             and m.source_id = st.source_id) as new_id
                          from %1$s st) x
                    where x.line = s.line and x.new_id is not null', p_table)
    using p_project, p_system, p_kind;
end
$$;

create or replace function legacy.import_record_maps(p_run bigint, p_project bigint, p_system text, p_kind text, p_table regclass)
returns void
language plpgsql as $$
begin
    -- The maps' only reference is the project, locked once (legacy.import_fast_insert says why).
    perform 1 from core.projects where id = p_project for key share;
    perform legacy.import_fast_insert(true);
    execute format('insert into legacy.id_maps (project_id, source_system, kind, source_id, new_id, run_id)
                    select $1, $2, $3, source_id, new_id, $4 from %s where outcome in (''new'', ''matched'')', p_table)
    using p_project, p_system, p_kind, p_run;
    perform legacy.import_fast_insert(false);
end
$$;

-- Accounts: the project's own number or page when it has it (matched), else created without an app or token — the
-- history of a number the business no longer connects; nothing can be sent from it until someone connects it. The
-- same number in another project is refused: an account belongs to one project.
create or replace function legacy.import_accounts(p_run bigint, p_project bigint, p_system text) returns void
language plpgsql as $$
begin
    perform legacy.import_mark_present(p_project, p_system, 'account', 'stg_imp_accounts');
    update stg_imp_accounts s set new_id = a.id, outcome = 'matched'
    from meta.accounts a
    where s.outcome is null and a.project_id = p_project and a.channel = s.channel and a.external_id = s.external_id;
    update stg_imp_accounts s set outcome = 'rejected', reason = 'account_in_other_project'
    from meta.accounts a
    where s.outcome is null and a.channel = s.channel and a.external_id = s.external_id;
    with created as (
        insert into meta.accounts (project_id, channel, external_id, waba_id, name, display_phone_number)
        select distinct on (channel, external_id) p_project, channel, external_id, waba_id, name, phone
        from stg_imp_accounts where outcome is null
        order by channel, external_id, line
        on conflict (channel, external_id) do nothing
        returning id, channel, external_id
    )
    update stg_imp_accounts s set new_id = c.id, outcome = 'new'
    from created c where s.outcome is null and c.channel = s.channel and c.external_id = s.external_id;
    update stg_imp_accounts set outcome = 'rejected', reason = 'account_in_other_project' where outcome is null;
    perform legacy.import_record_maps(p_run, p_project, p_system, 'account', 'stg_imp_accounts');
end
$$;

-- Agents: the platform's user with that e-mail (matched), else an inactive user with no usable password, so notes and
-- messages keep their author. No project membership is granted: an admin invites whom they choose.
create or replace function legacy.import_agents(p_run bigint, p_project bigint, p_system text) returns void
language plpgsql as $$
begin
    perform legacy.import_mark_present(p_project, p_system, 'agent', 'stg_imp_agents');
    update stg_imp_agents s set new_id = u.id, outcome = 'matched'
    from core.users u where s.outcome is null and lower(u.email) = lower(s.email);
    with created as (
        insert into core.users (email, display_name, password_hash, is_active)
        select distinct on (lower(email)) email, coalesce(name, email), '!imported', false
        from stg_imp_agents where outcome is null
        order by lower(email), line
        on conflict ((lower(email))) do nothing
        returning id, email
    )
    update stg_imp_agents s set new_id = c.id, outcome = 'new'
    from created c where s.outcome is null and lower(c.email) = lower(s.email);
    update stg_imp_agents s set new_id = u.id, outcome = 'matched'
    from core.users u where s.outcome is null and lower(u.email) = lower(s.email);
    perform legacy.import_record_maps(p_run, p_project, p_system, 'agent', 'stg_imp_agents');
end
$$;

create or replace function legacy.import_tags(p_run bigint, p_project bigint, p_system text) returns void
language plpgsql as $$
begin
    perform legacy.import_mark_present(p_project, p_system, 'tag', 'stg_imp_tags');
    update stg_imp_tags s set new_id = t.id, outcome = 'matched'
    from chat.tags t where s.outcome is null and t.project_id = p_project and lower(t.name) = lower(s.name);
    with created as (
        insert into chat.tags (project_id, name, color)
        select distinct on (lower(name)) p_project, name, color from stg_imp_tags where outcome is null
        order by lower(name), line
        on conflict (project_id, lower(name)) do nothing
        returning id, name
    )
    update stg_imp_tags s set new_id = c.id, outcome = 'new'
    from created c where s.outcome is null and lower(c.name) = lower(s.name);
    update stg_imp_tags s set new_id = t.id, outcome = 'matched'
    from chat.tags t where s.outcome is null and t.project_id = p_project and lower(t.name) = lower(s.name);
    perform legacy.import_record_maps(p_run, p_project, p_system, 'tag', 'stg_imp_tags');
end
$$;

-- Templates: kept with the status the source reports and no pending action, so the Worker never submits them; the
-- template sync then follows Meta's own word for the ones Meta knows.
create or replace function legacy.import_templates(p_run bigint, p_project bigint, p_system text) returns void
language plpgsql as $$
begin
    perform legacy.import_mark_present(p_project, p_system, 'template', 'stg_imp_templates');
    update stg_imp_templates s set account_id = a.id, waba_id = a.waba_id
    from legacy.id_maps m join meta.accounts a on a.id = m.new_id
    where s.outcome is null and m.project_id = p_project and m.source_system = p_system and m.kind = 'account'
      and m.source_id = s.account_ref;
    update stg_imp_templates set outcome = 'rejected', reason = 'unknown_account' where outcome is null and account_id is null;
    update stg_imp_templates set outcome = 'rejected', reason = 'template_not_whatsapp' where outcome is null and waba_id is null;
    update stg_imp_templates s set new_id = t.id, outcome = 'matched'
    from meta.templates t
    where s.outcome is null and t.waba_id = s.waba_id and t.name = s.name and t.language = s.language and t.status <> 'deleted';
    with created as (
        insert into meta.templates (project_id, account_id, waba_id, name, language, category, components, status,
                                    meta_template_id, pending_action)
        select distinct on (waba_id, name, language) p_project, account_id, waba_id, name, language, category,
               components::jsonb, status, meta_template_id, null
        from stg_imp_templates where outcome is null
        order by waba_id, name, language, line
        on conflict (waba_id, name, language) where status <> 'deleted' do nothing
        returning id, waba_id, name, language
    )
    update stg_imp_templates s set new_id = c.id, outcome = 'new'
    from created c where s.outcome is null and c.waba_id = s.waba_id and c.name = s.name and c.language = s.language;
    update stg_imp_templates s set new_id = t.id, outcome = 'matched'
    from meta.templates t
    where s.outcome is null and t.waba_id = s.waba_id and t.name = s.name and t.language = s.language and t.status <> 'deleted';
    perform legacy.import_record_maps(p_run, p_project, p_system, 'template', 'stg_imp_templates');
end
$$;

-- Contacts: per channel, like every contact. A customer the platform already knows (a webhook came first) is
-- matched; what the import knows fills what the platform lacks (name, phone, language) and its attributes join the
-- contact's, the platform's value winning on a shared key.
create or replace function legacy.import_contacts(p_run bigint, p_project bigint, p_system text) returns void
language plpgsql as $$
begin
    perform legacy.import_mark_present(p_project, p_system, 'contact', 'stg_imp_contacts');
    with upserted as (
        insert into chat.contacts as c (project_id, channel, external_id, display_name, phone, language, attributes)
        select distinct on (channel, external_id) p_project, channel, external_id, name, phone, language,
               coalesce(attributes::jsonb, '{}')
        from stg_imp_contacts where outcome is null
        order by channel, external_id, line
        on conflict (project_id, channel, external_id) do update
            set display_name = coalesce(c.display_name, excluded.display_name), phone = coalesce(c.phone, excluded.phone),
                language = coalesce(c.language, excluded.language), attributes = excluded.attributes || c.attributes,
                updated_at = now()
        returning id, channel, external_id, (xmax = 0) as created
    )
    update stg_imp_contacts s set new_id = u.id, outcome = case when u.created then 'new' else 'matched' end
    from upserted u where s.outcome is null and u.channel = s.channel and u.external_id = s.external_id;
    perform legacy.import_record_maps(p_run, p_project, p_system, 'contact', 'stg_imp_contacts');
end
$$;

-- Conversations: one per account and customer on this platform (chat.conversations' key), so several source
-- conversations of one customer on one number fold into one, each mapped to it. A new one is open if any of its
-- source conversations is, sits in the account's default queue (routing rules are not run on history) and keeps the
-- assignee of its latest source conversation.
create or replace function legacy.import_conversations(p_run bigint, p_project bigint, p_system text) returns void
language plpgsql as $$
begin
    perform legacy.import_mark_present(p_project, p_system, 'conversation', 'stg_imp_conversations');
    update stg_imp_conversations s set account_id = m.new_id, channel = a.channel
    from legacy.id_maps m join meta.accounts a on a.id = m.new_id
    where s.outcome is null and m.project_id = p_project and m.source_system = p_system and m.kind = 'account'
      and m.source_id = s.account_ref;
    update stg_imp_conversations s set contact_id = m.new_id
    from legacy.id_maps m join chat.contacts c on c.id = m.new_id
    where c.channel = s.channel and s.outcome is null and m.project_id = p_project and m.source_system = p_system and m.kind = 'contact'
      and m.source_id = s.contact_ref;
    update stg_imp_conversations s set assignee_id = m.new_id
    from legacy.id_maps m
    where s.assignee_ref is not null and m.project_id = p_project and m.source_system = p_system and m.kind = 'agent'
      and m.source_id = s.assignee_ref;
    update stg_imp_conversations set outcome = 'rejected', reason = 'unknown_account' where outcome is null and account_id is null;
    update stg_imp_conversations s set outcome = 'rejected',
        reason = case when exists (select 1 from legacy.id_maps m where m.project_id = p_project and m.source_system = p_system
                                   and m.kind = 'contact' and m.source_id = s.contact_ref)
                      then 'channel_mismatch' else 'unknown_contact' end
    where outcome is null and contact_id is null;

    update stg_imp_conversations s set new_id = cv.id, outcome = 'matched'
    from chat.conversations cv where s.outcome is null and cv.account_id = s.account_id and cv.contact_id = s.contact_id;
    with created as (
        insert into chat.conversations (project_id, account_id, contact_id, channel, status, created_at, resolved_at,
                                        queue_id, assigned_user_id, assigned_at)
        select p_project, g.account_id, g.contact_id, g.channel, g.status, g.created_at,
               case when g.status = 'resolved' then g.resolved_at end, a.default_queue_id, g.assignee_id,
               case when g.assignee_id is not null then g.created_at end
        from (select account_id, contact_id, min(channel) as channel,
                     case when bool_or(status = 'open') then 'open' else 'resolved' end as status,
                     coalesce(min(created_at), now()) as created_at, coalesce(max(resolved_at), max(created_at), now()) as resolved_at,
                     (array_agg(assignee_id order by created_at desc nulls last, line desc) filter (where assignee_id is not null))[1] as assignee_id
              from stg_imp_conversations where outcome is null
              group by account_id, contact_id) g
        join meta.accounts a on a.id = g.account_id
        order by g.account_id, g.contact_id
        on conflict (account_id, contact_id) do nothing
        returning id, account_id, contact_id
    )
    update stg_imp_conversations s set new_id = c.id, outcome = 'new'
    from created c where s.outcome is null and c.account_id = s.account_id and c.contact_id = s.contact_id;
    update stg_imp_conversations s set new_id = cv.id, outcome = 'matched'
    from chat.conversations cv where s.outcome is null and cv.account_id = s.account_id and cv.contact_id = s.contact_id;
    perform legacy.import_record_maps(p_run, p_project, p_system, 'conversation', 'stg_imp_conversations');

    -- Tags of the conversations this batch names (a rejected conversation's tags go with it; a conversation an
    -- earlier run imported gains the tags a newer file adds).
    insert into chat.conversation_tags (conversation_id, tag_id)
    select distinct s.new_id, m.new_id
    from stg_imp_conversation_tags t
    join stg_imp_conversations s on s.source_id = t.conversation_ref and s.outcome in ('new', 'matched', 'present')
    join legacy.id_maps m on m.project_id = p_project and m.source_system = p_system and m.kind = 'tag' and m.source_id = t.tag_ref
    on conflict do nothing;
end
$$;

-- Optional references that did not resolve: the record is imported without the value, and the report lists it.
create or replace function legacy.import_dropped_references(p_project bigint, p_system text)
returns table (line bigint, entity text, source_id text, reason text, detail text)
-- plpgsql, not sql: a sql body is checked at creation, when the session's staging tables do not exist
language plpgsql stable as $$
#variable_conflict use_column
begin
    return query
    select s.line, 'conversation.assignee', s.source_id, 'unknown_agent', 'assignee ' || s.assignee_ref
    from stg_imp_conversations s
    where s.outcome in ('new', 'matched') and s.assignee_ref is not null and s.assignee_id is null
    union all
    select t.line, 'conversation.tag', t.conversation_ref, 'unknown_tag', 'tag ' || t.tag_ref
    from stg_imp_conversation_tags t
    join stg_imp_conversations s on s.source_id = t.conversation_ref and s.outcome in ('new', 'matched')
    where not exists (select 1 from legacy.id_maps m where m.project_id = p_project and m.source_system = p_system
                      and m.kind = 'tag' and m.source_id = t.tag_ref)
    union all
    select s.line, 'message.agent', s.source_id, 'unknown_agent', 'agent ' || s.agent_ref
    from stg_imp_messages s
    where s.outcome = 'new' and s.agent_ref is not null and s.agent_id is null;
end
$$;
