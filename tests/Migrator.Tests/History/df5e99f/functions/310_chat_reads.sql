-- Inbox reads for the Core API. Visibility is decided by the caller's access (role permissions and queue
-- memberships, from core.user_access), passed in: p_all_queues for supervisors and up, else p_queue_ids plus
-- whatever is assigned to p_user_id or not routed to a queue yet.

-- Conversation list, newest first by latest message, keyset-paginated on (last_message_at, id) along
-- conversations_inbox_idx.
drop function if exists chat.list_conversations(bigint, bigint, boolean, bigint[], text, bigint, text, boolean, boolean,
                                                timestamptz, bigint, int);
create or replace function chat.list_conversations(
    p_project_id bigint, p_user_id bigint, p_all_queues boolean, p_queue_ids bigint[],
    p_account_id bigint, p_channel text, p_queue_id bigint, p_status text, p_unread_only boolean, p_mine_only boolean,
    p_before_at timestamptz, p_before_id bigint, p_limit int)
returns table (id bigint, channel text, account_id bigint, account_name text, contact_id bigint, contact_name text,
               contact_external_id text, queue_id bigint, assigned_user_id bigint, status text,
               last_message_at timestamptz, last_message_preview text, last_message_direction text,
               last_message_type text, unread_count int, last_inbound_at timestamptz)
language sql stable as $$
    select cv.id, cv.channel, cv.account_id, a.name, cv.contact_id, ct.display_name, ct.external_id, cv.queue_id,
           cv.assigned_user_id, cv.status, cv.last_message_at, cv.last_message_preview, cv.last_message_direction,
           cv.last_message_type, cv.unread_count, cv.last_inbound_at
    from chat.conversations cv
    join meta.accounts a on a.id = cv.account_id
    join chat.contacts ct on ct.id = cv.contact_id
    where cv.project_id = p_project_id
      and cv.last_message_at is not null
      and (p_all_queues or cv.queue_id is null or cv.queue_id = any (p_queue_ids) or cv.assigned_user_id = p_user_id)
      and (p_account_id is null or cv.account_id = p_account_id)
      and (p_channel is null or cv.channel = p_channel)
      and (p_queue_id is null or cv.queue_id = p_queue_id)
      and (p_status is null or cv.status = p_status)
      and (not p_unread_only or cv.unread_count > 0)
      and (not p_mine_only or cv.assigned_user_id = p_user_id)
      and (p_before_at is null or (cv.last_message_at, cv.id) < (p_before_at, p_before_id))
    order by cv.last_message_at desc, cv.id desc
    limit p_limit
$$;

-- Who may see a conversation is decided from these.
create or replace function chat.conversation_scope(p_conversation_id bigint)
returns table (project_id bigint, queue_id bigint, assigned_user_id bigint, channel text, last_inbound_at timestamptz)
language sql stable as $$
    select project_id, queue_id, assigned_user_id, channel, last_inbound_at from chat.conversations where id = p_conversation_id
$$;

-- One page of a thread, keyset on (occurred_at, id): the p_limit messages before the cursor, returned oldest
-- first, with their media references.
create or replace function chat.thread_page(p_conversation_id bigint, p_before_at timestamptz, p_before_id bigint, p_limit int)
returns table (id bigint, direction text, type text, body text, status text, occurred_at timestamptz,
               error_code int, error_title text, reply_to_provider_id text, deleted_at timestamptz,
               client_message_id text, sent_by_user_id bigint, media jsonb)
language sql stable as $$
    select * from (
        select m.id, m.direction, m.type, m.body, m.status, m.occurred_at, m.error_code, m.error_title,
               m.reply_to_provider_id, m.deleted_at, m.client_message_id, m.sent_by_user_id,
               coalesce((select jsonb_agg(jsonb_build_object('id', md.id, 'kind', md.kind, 'mimeType', md.mime_type,
                                                              'fileName', md.file_name, 'caption', md.caption)
                                          order by md.ordinal)
                         from chat.media md where md.message_id = m.id), '[]'::jsonb)
        from chat.messages m
        where m.conversation_id = p_conversation_id
          and (p_before_at is null or (m.occurred_at, m.id) < (p_before_at, p_before_id))
        order by m.occurred_at desc, m.id desc
        limit p_limit
    ) page
    order by occurred_at, id
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
