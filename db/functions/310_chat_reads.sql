-- Inbox reads for the Core API. Visibility is decided by the caller's access (role permissions and queue
-- memberships, from core.user_access), passed in: p_all_queues for supervisors and up, else p_queue_ids plus
-- whatever is assigned to p_user_id or not routed to a queue yet; the rule itself is chat.in_sight
-- (305_chat_visibility.sql), inlined into the query.

-- The agent's unread count: inbound messages after their read position (counted up to 99, the most a badge shows).
-- Imported history (import_run_id, docs/import.md) is nobody's unread: otherwise every agent would find every imported
-- conversation at 99; the conversation's own unread_count keeps what the source left unanswered.
create or replace function chat.unread_for(p_conversation_id bigint, p_last_message_at timestamptz, p_user_id bigint) returns int
language sql stable as $$
    select case
        when r.last_read_at >= p_last_message_at then 0
        else (select count(*)::int from (select 1 from chat.messages m
                                         where m.conversation_id = p_conversation_id and m.direction = 'in'
                                           and m.import_run_id is null
                                           and (r.last_read_at is null or m.occurred_at > r.last_read_at)
                                         limit 99) x)
    end
    from (select (select cr.last_read_at from chat.conversation_reads cr
                  where cr.user_id = p_user_id and cr.conversation_id = p_conversation_id) as last_read_at) r
$$;

-- When the customer-service window closes (null: the customer never wrote). The one rule, shared by the list, the
-- window state (chat.window_state) and every send (chat.queue_outbound): 24 hours after the customer's last message;
-- Messenger/Instagram 7 days where the project uses the HUMAN_AGENT tag; earlier if Meta refused a send with 131047
-- after that message (p_closed_at).
create or replace function chat.window_expires_at(p_channel text, p_last_inbound_at timestamptz, p_closed_at timestamptz,
                                                  p_human_agent boolean) returns timestamptz
language sql immutable as $$
    select case when p_last_inbound_at is null then null
                else least(p_last_inbound_at + case when p_human_agent and p_channel in ('messenger', 'instagram')
                                                    then interval '7 days' else interval '24 hours' end,
                           case when p_closed_at >= p_last_inbound_at then p_closed_at end) end
$$;

-- The list's rows gained window_expires_at (a new result column needs the function dropped first). Guarded by the
-- exact signature, not the name: a database from before p_pinned_only/p_search has only the older signatures (dropped
-- below), and a name-only check tried to drop this one there and stopped the upgrade (the df5e99f finding).
do $$
declare
    v_old regprocedure := to_regprocedure('chat.list_conversations(bigint, bigint, boolean, bigint[], bigint, text, bigint, text,
                                           boolean, boolean, timestamptz, bigint, int, boolean, text)');
begin
    if v_old is not null and not exists (select 1 from pg_proc where oid = v_old and 'window_expires_at' = any (proargnames)) then
        execute 'drop function ' || v_old::text;
    end if;
end
$$;

-- Conversation list, newest first by latest message, keyset-paginated on (last_message_at, id) along
-- conversations_inbox_idx.
-- p_pinned_only and p_search serve the console's pins and quick search (chat.console_conversations).
drop function if exists chat.list_conversations(bigint, bigint, boolean, bigint[], text, bigint, text, boolean, boolean,
                                                timestamptz, bigint, int);
drop function if exists chat.list_conversations(bigint, bigint, boolean, bigint[], bigint, text, bigint, text, boolean, boolean,
                                                timestamptz, bigint, int);
create or replace function chat.list_conversations(
    p_project_id bigint, p_user_id bigint, p_all_queues boolean, p_queue_ids bigint[],
    p_account_id bigint, p_channel text, p_queue_id bigint, p_status text, p_unread_only boolean, p_mine_only boolean,
    p_before_at timestamptz, p_before_id bigint, p_limit int, p_pinned_only boolean default false, p_search text default null)
returns table (id bigint, channel text, account_id bigint, account_name text, contact_id bigint, contact_name text,
               contact_external_id text, queue_id bigint, assigned_user_id bigint, status text,
               last_message_at timestamptz, last_message_preview text, last_message_direction text,
               last_message_type text, unread_count int, last_inbound_at timestamptz, window_expires_at timestamptz)
language sql stable as $$
    select cv.id, cv.channel, cv.account_id, a.name, cv.contact_id, ct.display_name, ct.external_id, cv.queue_id,
           cv.assigned_user_id, cv.status, cv.last_message_at, cv.last_message_preview, cv.last_message_direction,
           cv.last_message_type, chat.unread_for(cv.id, cv.last_message_at, p_user_id), cv.last_inbound_at,
           chat.window_expires_at(cv.channel, cv.last_inbound_at, cv.window_closed_at,
                                  (select p.human_agent_tag from core.projects p where p.id = p_project_id))
    from chat.conversations cv
    join meta.accounts a on a.id = cv.account_id
    join chat.contacts ct on ct.id = cv.contact_id
    where cv.project_id = p_project_id
      and cv.last_message_at is not null
      and chat.in_sight(cv, p_user_id, true, p_all_queues, p_queue_ids)
      and (p_account_id is null or cv.account_id = p_account_id)
      and (p_channel is null or cv.channel = p_channel)
      and (p_queue_id is null or cv.queue_id = p_queue_id)
      and (p_status is null or cv.status = p_status)
      and (not p_unread_only or chat.unread_for(cv.id, cv.last_message_at, p_user_id) > 0)
      and (not p_mine_only or cv.assigned_user_id = p_user_id)
      and (not p_pinned_only or exists (select 1 from chat.conversation_pins pn
                                        where pn.user_id = p_user_id and pn.conversation_id = cv.id))
      -- The quick search's text is matched literally (core.like_escape). The call is inlined and the pattern folded to
      -- a constant ('%50\%%'); EXPLAIN on 50,000 conversations shows the same plan before and after the escaping.
      and (p_search is null
           or ct.display_name ilike '%' || core.like_escape(p_search) || '%' escape '\'
           or ct.external_id ilike '%' || core.like_escape(p_search) || '%' escape '\'
           or cv.last_message_preview ilike '%' || core.like_escape(p_search) || '%' escape '\')
      and (p_before_at is null or (cv.last_message_at, cv.id) < (p_before_at, p_before_id))
    -- "nulls last" as conversations_inbox_idx and conversations_queue_idx are built (no null passes the filter above,
    -- so the order is the same): a plain "desc" means nulls first, no index matches it, and every first page sorted the
    -- project's whole conversation list (33 ms at 20,000 conversations, against 1 ms by the index; bench/RESULTS.md).
    order by cv.last_message_at desc nulls last, cv.id desc
    limit p_limit
$$;

-- Who may see a conversation is decided from these.
create or replace function chat.conversation_scope(p_conversation_id bigint)
returns table (project_id bigint, queue_id bigint, assigned_user_id bigint, channel text, last_inbound_at timestamptz)
language sql stable as $$
    select project_id, queue_id, assigned_user_id, channel, last_inbound_at from chat.conversations where id = p_conversation_id
$$;

-- A message's files as the thread shows them; status (pending, stored, failed) tells the console whether the file
-- can be fetched yet. Shared by thread_page and thread_message, so a bubble re-read looks like the page it came in.
create or replace function chat.message_media(p_message_id bigint) returns jsonb
language sql stable as $$
    select coalesce((select jsonb_agg(jsonb_build_object('id', md.id, 'kind', md.kind, 'mimeType', md.mime_type,
                                                         'fileName', md.file_name, 'caption', md.caption,
                                                         'status', md.download_status)
                                     order by md.ordinal)
                     from chat.media md where md.message_id = p_message_id), '[]'::jsonb)
$$;

-- A thread row: the message, its media references, what AI made of its file (ai_text: a voice note's transcript, a
-- photo's description, a document's text; ai_text_kind says which), the AI agent that wrote it, if one did, and for a
-- call's event (type 'call', written by calls.touch) the call as it stands: direction, outcome, who, duration. The
-- agent's name is a primary-key probe of bot.ai_agents for those messages only. Adding the last four columns changed
-- the functions' result type, which CREATE OR REPLACE cannot do: each is dropped by its exact signature first (nothing
-- else depends on them; every migrate re-creates them).
drop function if exists chat.thread_page(bigint, timestamptz, bigint, int);
drop function if exists chat.thread_message(bigint, bigint);

-- One page of a thread, keyset on (occurred_at, id): the p_limit messages before the cursor, returned oldest
-- first, with their media references.
create function chat.thread_page(p_conversation_id bigint, p_before_at timestamptz, p_before_id bigint, p_limit int)
returns table (id bigint, direction text, type text, body text, status text, occurred_at timestamptz,
               error_code int, error_title text, reply_to_provider_id text, deleted_at timestamptz,
               client_message_id text, sent_by_user_id bigint, media jsonb,
               ai_text text, ai_text_kind text, sent_by_ai_agent_id bigint, sent_by_ai_agent_name text, call jsonb)
language sql stable as $$
    select * from (
        select m.id, m.direction, m.type, m.body, m.status, m.occurred_at, m.error_code, m.error_title,
               m.reply_to_provider_id, m.deleted_at, m.client_message_id, m.sent_by_user_id,
               chat.message_media(m.id), m.ai_text, m.ai_text_kind, m.sent_by_ai_agent_id,
               (select ag.name from bot.ai_agents ag where ag.id = m.sent_by_ai_agent_id),
               case when m.type = 'call' then m.payload end
        from chat.messages m
        where m.conversation_id = p_conversation_id
          and (p_before_at is null or (m.occurred_at, m.id) < (p_before_at, p_before_id))
        order by m.occurred_at desc, m.id desc
        limit p_limit
    ) page
    order by occurred_at, id
$$;

-- One message of a thread, as thread_page shows it (the console re-reads a bubble when its media is ready, when AI
-- finished understanding its file, and when an AI agent's reply is pushed).
create function chat.thread_message(p_conversation_id bigint, p_message_id bigint)
returns table (id bigint, direction text, type text, body text, status text, occurred_at timestamptz,
               error_code int, error_title text, reply_to_provider_id text, deleted_at timestamptz,
               client_message_id text, sent_by_user_id bigint, media jsonb,
               ai_text text, ai_text_kind text, sent_by_ai_agent_id bigint, sent_by_ai_agent_name text, call jsonb)
language sql stable as $$
    select m.id, m.direction, m.type, m.body, m.status, m.occurred_at, m.error_code, m.error_title,
           m.reply_to_provider_id, m.deleted_at, m.client_message_id, m.sent_by_user_id,
           chat.message_media(m.id), m.ai_text, m.ai_text_kind, m.sent_by_ai_agent_id,
           (select ag.name from bot.ai_agents ag where ag.id = m.sent_by_ai_agent_id),
           case when m.type = 'call' then m.payload end
    from chat.messages m
    where m.id = p_message_id and m.conversation_id = p_conversation_id
$$;

create or replace function core.list_accounts(p_project_id bigint)
returns table (id bigint, channel text, name text, display_phone_number text, quality_rating text, messaging_limit text)
language sql stable as $$
    select id, channel, name, display_phone_number, quality_rating, messaging_limit
    from meta.accounts where project_id = p_project_id order by channel, name
$$;

create or replace function core.list_queues(p_project_id bigint)
returns table (id bigint, name text)
language sql stable as $$
    select id, name from core.queues where project_id = p_project_id order by name
$$;
