-- Reads and writes of the operator console (Core API, src/CoreApi/Console). Visibility is decided by the caller's
-- access, passed in as in 310_chat_reads.sql, or read here from the grants themselves (chat.sight and chat.in_sight, 305_chat_visibility.sql).

-- Whether a user holds a permission in a project (an active member whose role has it), for one-off checks
-- (chat.set_status asks it about locks.revoke).
create or replace function core.user_can(p_user_id bigint, p_project_id bigint, p_permission text) returns boolean
language sql stable as $$
    select exists (select 1 from core.project_members pm
                   join core.users u on u.id = pm.user_id and u.is_active
                   join core.role_permissions rp on rp.role = pm.role and rp.permission = p_permission
                   where pm.project_id = p_project_id and pm.user_id = p_user_id)
$$;

-- The queue-visibility rule, chat.sight and chat.in_sight, is in 305_chat_visibility.sql (the conversation list and
-- search use it too). What is built on it for the console follows.

create or replace function chat.can_see(p_user_id bigint, p_conversation_id bigint) returns boolean
language sql stable as $$
    select coalesce((select chat.in_sight(cv, p_user_id, s.reads, s.all_queues, s.queue_ids)
                     from chat.conversations cv, chat.sight(p_user_id, cv.project_id) s
                     where cv.id = p_conversation_id), false)
$$;

-- Whether a user with these grants sees this customer: through at least one conversation she sees. A contact with
-- no conversation at all (kept from an import) belongs to no queue, so to everyone who reads the project's
-- conversations. A customer whose every conversation sits in other teams' queues is not hers: not in the picker,
-- not her consent to read or record, not hers to message. All-queue roles see every customer without a probe;
-- others probe conversations_contact_idx once. A set-returning function of one SELECT, so the planner inlines it
-- as a lateral subquery. Measured on 50,000 customers, none of them the agent's (2 loaded cores): the picker's
-- unfiltered list took 37 s with a per-row grants look-up, 1.1 s with this rule as a scalar function (EXISTS, never
-- inlined: 20 µs a call), and takes 0.2–0.5 s for the agent and 60–90 ms for a supervisor inlined; a search by
-- name or number narrows through the trigram index first (20–90 ms).
create or replace function chat.contact_sight(p_contact_id bigint, p_user_id bigint, p_reads boolean, p_all_queues boolean,
                                              p_queue_ids bigint[])
returns table (seen boolean)
language sql stable as $$
    select coalesce(p_reads and p_all_queues, false)
        or coalesce((select bool_or(chat.in_sight(cv, p_user_id, p_reads, p_all_queues, p_queue_ids))
                     from chat.conversations cv where cv.contact_id = p_contact_id), p_reads, false)
$$;

create or replace function chat.sees_contact(p_user_id bigint, p_contact_id bigint) returns boolean
language sql stable as $$
    select coalesce((select cs.seen
                     from chat.contacts ct, chat.sight(p_user_id, ct.project_id) s,
                          chat.contact_sight(ct.id, p_user_id, s.reads, s.all_queues, s.queue_ids) cs
                     where ct.id = p_contact_id), false)
$$;

create or replace function core.console_profile(p_user_id bigint)
returns table (display_name text, email text, language text, theme text)
language sql stable as $$
    select display_name, email, language, theme from core.users where id = p_user_id and is_active
$$;

create or replace function core.set_console_preferences(p_user_id bigint, p_language text, p_theme text) returns void
language sql as $$
    update core.users set language = coalesce(p_language, language), theme = coalesce(p_theme, theme) where id = p_user_id
$$;

-- Chats, Templates, Mass sends, Number health, Internal chat, Admin (queues and routing) and Ops are on by default; AI
-- agents and Chatbots are off until a project turns them on (the demo's seeding does); the rest arrive with later issues.
create or replace function core.console_features(p_project_id bigint)
returns table (feature text, enabled boolean)
language sql stable as $$
    select d.feature, coalesce(f.enabled, d.enabled)
    from (values ('chats', true), ('dashboard', false), ('ai_agents', false), ('chatbots', false), ('templates', true),
                 ('mass_sends', true), ('number_health', true), ('calls', false), ('internal_chat', true), ('admin', true), ('ops', true))
         as d(feature, enabled)
    left join core.project_features f on f.project_id = p_project_id and f.feature = d.feature
$$;

-- Turns a module on or off for a project; a change of state is recorded in the command log (module.enable /
-- module.disable). The console reads the flags with every profile, so the change feed tells open consoles.
create or replace function core.set_feature(p_project_id bigint, p_feature text, p_enabled boolean) returns void
language plpgsql as $$
declare
    v_before boolean := (select f.enabled from core.console_features(p_project_id) f where f.feature = p_feature);
begin
    insert into core.project_features (project_id, feature, enabled) values (p_project_id, p_feature, p_enabled)
    on conflict (project_id, feature) do update set enabled = excluded.enabled, updated_at = now();
    if v_before is distinct from p_enabled then
        perform ops.record_command(p_project_id, null, case when p_enabled then 'module.enable' else 'module.disable' end,
                                   'module', p_feature, jsonb_build_object('enabled', v_before), jsonb_build_object('enabled', p_enabled));
        perform ops.emit_change(p_project_id, 'modules_changed', null, null, jsonb_build_object('module', p_feature, 'enabled', p_enabled));
    end if;
end
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

-- The rows gained window_expires_at: the older shape of this exact signature is dropped first (never by name only).
do $$
declare
    v_old regprocedure := to_regprocedure('chat.console_conversations(bigint, bigint, boolean, bigint[], boolean, text, int)');
begin
    if v_old is not null and not exists (select 1 from pg_proc where oid = v_old and 'window_expires_at' = any (proargnames)) then
        execute 'drop function ' || v_old::text;
    end if;
end
$$;

-- The list's rows (chat.list_conversations) for the conversations a user pinned (still visible to them) and for
-- a quick search by customer name, customer id or latest message. The search scans the project's conversations;
-- the full search is chat.search.
create or replace function chat.console_conversations(
    p_project_id bigint, p_user_id bigint, p_all_queues boolean, p_queue_ids bigint[], p_pinned_only boolean, p_search text,
    p_limit int)
returns table (id bigint, channel text, account_id bigint, account_name text, contact_id bigint, contact_name text,
               contact_external_id text, queue_id bigint, assigned_user_id bigint, status text,
               last_message_at timestamptz, last_message_preview text, last_message_direction text,
               last_message_type text, unread_count int, last_inbound_at timestamptz, window_expires_at timestamptz)
language sql stable as $$
    select * from chat.list_conversations(p_project_id, p_user_id, p_all_queues, p_queue_ids, null, null, null, null, false, false,
                                          null, null, p_limit, p_pinned_only, p_search)
$$;

drop function if exists chat.contact_context(bigint);
create or replace function chat.contact_context(p_conversation_id bigint)
returns table (contact_id bigint, channel text, display_name text, external_id text, bsuid text, phone text,
               first_seen_at timestamptz, account_name text, conversation_created_at timestamptz, status text,
               queue_id bigint, assigned_user_id bigint, attributes text)
language sql stable as $$
    select ct.id, ct.channel, ct.display_name, ct.external_id, ct.bsuid, ct.phone, ct.first_seen_at, a.name,
           cv.created_at, cv.status, cv.queue_id, cv.assigned_user_id, ct.attributes::text
    from chat.conversations cv
    join chat.contacts ct on ct.id = cv.contact_id
    join meta.accounts a on a.id = cv.account_id
    where cv.id = p_conversation_id
$$;

-- The contact's conversations on every account of the project (a contact is per channel, so one customer on two
-- WhatsApp numbers has two conversations) that the user may see: one in another team's queue is not listed.
drop function if exists chat.contact_history(bigint);
create or replace function chat.contact_history(p_contact_id bigint, p_user_id bigint)
returns table (conversation_id bigint, account_name text, status text, created_at timestamptz, last_message_at timestamptz,
               message_count bigint, tags text)
language sql stable as $$
    select cv.id, a.name, cv.status, cv.created_at, cv.last_message_at,
           (select count(*) from chat.messages m where m.conversation_id = cv.id),
           (select string_agg(t.name, ', ' order by lower(t.name)) from chat.conversation_tags ct join chat.tags t on t.id = ct.tag_id
            where ct.conversation_id = cv.id)
    from chat.conversations cv join meta.accounts a on a.id = cv.account_id,
         chat.sight(p_user_id, cv.project_id) s
    where cv.contact_id = p_contact_id and chat.in_sight(cv, p_user_id, s.reads, s.all_queues, s.queue_ids)
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
