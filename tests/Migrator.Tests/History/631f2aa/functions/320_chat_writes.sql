-- Writes of the Core API. A send never calls Meta: it writes the message (queued) and its ops.outbox row in one
-- transaction; the Worker sends it.

-- Idempotent on (conversation, client_message_id): a retried request returns the message it already created.
create or replace function chat.send_text(p_conversation_id bigint, p_user_id bigint, p_client_message_id text, p_body text,
                                          out message_id bigint, out created boolean)
language plpgsql as $$
declare
    v_conversation chat.conversations;
begin
    select * into v_conversation from chat.conversations where id = p_conversation_id;

    -- A retried request finds its message whoever holds the lock now; a new one must not be refused by a lock.
    select id into message_id from chat.messages
    where conversation_id = p_conversation_id and client_message_id = p_client_message_id;
    if message_id is not null then
        created := false;
        return;
    end if;
    perform chat.check_send_lock(p_conversation_id, p_user_id);

    insert into chat.messages (project_id, conversation_id, account_id, direction, type, body, status, status_rank,
                               occurred_at, client_message_id, sent_by_user_id)
    values (v_conversation.project_id, v_conversation.id, v_conversation.account_id, 'out', 'text', p_body, 'queued',
            chat.status_rank('queued'), now(), p_client_message_id, p_user_id)
    on conflict (conversation_id, client_message_id) where client_message_id is not null do nothing
    returning id into message_id;

    created := message_id is not null;
    if not created then
        select id into message_id from chat.messages
        where conversation_id = p_conversation_id and client_message_id = p_client_message_id;
        return;
    end if;

    insert into ops.outbox (project_id, account_id, message_id) values (v_conversation.project_id, v_conversation.account_id, message_id);

    update chat.conversations
    set last_message_id = message_id, last_message_at = now(), last_message_direction = 'out', last_message_type = 'text',
        last_message_preview = left(p_body, 280)
    where id = p_conversation_id;

    insert into ops.change_feed (project_id, kind, conversation_id, message_id)
    values (v_conversation.project_id, 'message_created', p_conversation_id, message_id);
    perform pg_notify('outbox', '');
    perform pg_notify('change_feed', '');
end
$$;

create or replace function chat.mark_read(p_conversation_id bigint) returns void
language plpgsql as $$
begin
    update chat.conversations set unread_count = 0, last_read_at = now()
    where id = p_conversation_id and unread_count > 0;
    if found then
        insert into ops.change_feed (project_id, kind, conversation_id)
        select project_id, 'conversation_read', id from chat.conversations where id = p_conversation_id;
        perform pg_notify('change_feed', '');
    end if;
end
$$;
