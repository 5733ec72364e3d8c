-- Reads and writes of the operator console (Core API, src/CoreApi/Console). Visibility is decided by the caller's
-- access, passed in as in 310_chat_reads.sql.

create or replace function core.console_profile(p_user_id bigint)
returns table (display_name text, email text, language text, theme text)
language sql stable as $$
    select display_name, email, language, theme from core.users where id = p_user_id and is_active
$$;

create or replace function core.set_console_preferences(p_user_id bigint, p_language text, p_theme text) returns void
language sql as $$
    update core.users set language = coalesce(p_language, language), theme = coalesce(p_theme, theme) where id = p_user_id
$$;

-- Chats and Ops work today; the other modules arrive with later issues, so they are off until a project turns them on.
create or replace function core.console_features(p_project_id bigint)
returns table (feature text, enabled boolean)
language sql stable as $$
    select d.feature, coalesce(f.enabled, d.enabled)
    from (values ('chats', true), ('dashboard', false), ('ai_agents', false), ('chatbots', false), ('templates', false),
                 ('mass_sends', false), ('calls', false), ('internal_chat', false), ('admin', false), ('ops', true))
         as d(feature, enabled)
    left join core.project_features f on f.project_id = p_project_id and f.feature = d.feature
$$;

create or replace function core.set_feature(p_project_id bigint, p_feature text, p_enabled boolean) returns void
language sql as $$
    insert into core.project_features (project_id, feature, enabled) values (p_project_id, p_feature, p_enabled)
    on conflict (project_id, feature) do update set enabled = excluded.enabled, updated_at = now()
$$;

create or replace function chat.set_pin(p_user_id bigint, p_conversation_id bigint, p_pinned boolean) returns void
language plpgsql as $$
begin
    if p_pinned then
        insert into chat.conversation_pins (user_id, conversation_id, project_id)
        select p_user_id, id, project_id from chat.conversations where id = p_conversation_id
        on conflict do nothing;
    else
        delete from chat.conversation_pins where user_id = p_user_id and conversation_id = p_conversation_id;
    end if;
end
$$;

-- The same rows as chat.list_conversations, for the conversations a user pinned (still visible to them) and for
-- a search by customer name, customer id or latest message. Search scans the project's conversations: fine at
-- demo and mid-size scale; a trigram index is the next step when a project grows past that.
create or replace function chat.console_conversations(
    p_project_id bigint, p_user_id bigint, p_all_queues boolean, p_queue_ids bigint[], p_pinned_only boolean, p_search text,
    p_limit int)
returns table (id bigint, channel text, account_id bigint, account_name text, contact_id bigint, contact_name text,
               contact_external_id text, queue_id bigint, assigned_user_id bigint, status text,
               last_message_at timestamptz, last_message_preview text, last_message_direction text,
               last_message_type text, unread_count int, last_inbound_at timestamptz)
language sql stable as $$
    select cv.id, cv.channel, cv.account_id, a.name, cv.contact_id, ct.display_name, ct.external_id, cv.queue_id,
           cv.assigned_user_id, cv.status, cv.last_message_at, cv.last_message_preview, cv.last_message_direction,
           cv.last_message_type, chat.unread_for(cv.id, cv.last_message_at, p_user_id), cv.last_inbound_at
    from chat.conversations cv
    join meta.accounts a on a.id = cv.account_id
    join chat.contacts ct on ct.id = cv.contact_id
    where cv.project_id = p_project_id
      and cv.last_message_at is not null
      and (p_all_queues or cv.queue_id is null or cv.queue_id = any (p_queue_ids) or cv.assigned_user_id = p_user_id)
      and (not p_pinned_only or exists (select 1 from chat.conversation_pins pn
                                        where pn.user_id = p_user_id and pn.conversation_id = cv.id))
      and (p_search is null
           or ct.display_name ilike '%' || p_search || '%'
           or ct.external_id ilike '%' || p_search || '%'
           or cv.last_message_preview ilike '%' || p_search || '%')
    order by cv.last_message_at desc, cv.id desc
    limit p_limit
$$;

create or replace function chat.contact_context(p_conversation_id bigint)
returns table (contact_id bigint, channel text, display_name text, external_id text, bsuid text, phone text,
               first_seen_at timestamptz, account_name text, conversation_created_at timestamptz, status text,
               queue_id bigint, assigned_user_id bigint)
language sql stable as $$
    select ct.id, ct.channel, ct.display_name, ct.external_id, ct.bsuid, ct.phone, ct.first_seen_at, a.name,
           cv.created_at, cv.status, cv.queue_id, cv.assigned_user_id
    from chat.conversations cv
    join chat.contacts ct on ct.id = cv.contact_id
    join meta.accounts a on a.id = cv.account_id
    where cv.id = p_conversation_id
$$;

-- The contact's conversations on every account of the project (a contact is per channel, so one customer on two
-- WhatsApp numbers has two conversations).
create or replace function chat.contact_history(p_contact_id bigint)
returns table (conversation_id bigint, account_name text, status text, created_at timestamptz, last_message_at timestamptz,
               message_count bigint)
language sql stable as $$
    select cv.id, a.name, cv.status, cv.created_at, cv.last_message_at,
           (select count(*) from chat.messages m where m.conversation_id = cv.id)
    from chat.conversations cv join meta.accounts a on a.id = cv.account_id
    where cv.contact_id = p_contact_id
    order by cv.last_message_at desc nulls last
    limit 20
$$;

-- Retry of a failed text send: a new message with the same text (the failed one stays in the thread as what
-- happened). Keyed on the failed message, so a double click or a retried request retries once.
create or replace function chat.retry_send(p_message_id bigint, p_user_id bigint, out message_id bigint, out created boolean,
                                           out refusal text)
language plpgsql as $$
declare
    v_message chat.messages;
begin
    select * into v_message from chat.messages where id = p_message_id;
    if v_message.direction <> 'out' or v_message.type <> 'text' then
        refusal := 'not_retryable';
        return;
    end if;
    if v_message.status <> 'failed' then
        refusal := 'not_failed';
        return;
    end if;
    select s.message_id, s.created into message_id, created
    from chat.send_text(v_message.conversation_id, p_user_id, 'retry:' || p_message_id, v_message.body) s;
end
$$;

create or replace function chat.message_conversation(p_message_id bigint) returns bigint
language sql stable as $$
    select conversation_id from chat.messages where id = p_message_id
$$;
