-- Writes of the Core API. A send never calls Meta: it writes the message (queued) and its ops.outbox row in one
-- transaction; the Worker sends it.

-- Every agent send goes through here: the message (queued), its ops.outbox row, the conversation's latest-message
-- fields and the change feed, in the caller's transaction. Idempotent on (conversation, client_message_id): a
-- retried request returns the message it already created, whoever holds the lock by then. A new message is refused
-- while someone else holds the conversation's lock (chat.check_send_lock raises MM001), and anything but a template
-- is refused while the customer-service window is closed at p_now (SQLSTATE MM002, chat.window_state). A send that
-- is only possible through the HUMAN_AGENT tag (Messenger/Instagram, day 2 to 7) carries the tag in its payload,
-- which the Worker puts on the request. p_now is the caller's clock (the Core API's TimeProvider), so the boundary
-- is testable; callers with five arguments get the database's. The HUMAN_AGENT tag is for a person's reply only:
-- automation (no p_user_id: an AI agent, a chatbot flow) is refused there as in any closed window (Meta: "automated
-- messages are not permitted" under the tag). An AI agent's or a flow's send names itself (p_ai_agent_id, p_flow_id)
-- and what goes beside the text (p_payload: reply buttons, quick replies) in the insert itself, not in a second write.
drop function if exists chat.queue_outbound(bigint, bigint, text, text, text);
drop function if exists chat.queue_outbound(bigint, bigint, text, text, text, timestamptz);
create or replace function chat.queue_outbound(p_conversation_id bigint, p_user_id bigint, p_client_message_id text,
                                               p_type text, p_body text, p_now timestamptz default now(),
                                               p_ai_agent_id bigint default null, p_flow_id bigint default null,
                                               p_payload jsonb default null,
                                               out message_id bigint, out created boolean)
language plpgsql as $$
declare
    v_conversation chat.conversations;
    v_window record;
    v_payload jsonb;
begin
    select id into message_id from chat.messages
    where conversation_id = p_conversation_id and client_message_id = p_client_message_id;
    if message_id is not null then
        created := false;
        return;
    end if;
    perform chat.check_send_lock(p_conversation_id, p_user_id);
    -- A person writing takes the conversation from the AI agent at once (the agent re-checks before it sends).
    if p_user_id is not null then perform bot.person_took_over(p_conversation_id, p_user_id, 'person_replied'); end if;
    if p_type <> 'template' then
        select * into v_window from chat.window_state(p_conversation_id, p_now);
        if not coalesce(v_window.is_open, false) or (v_window.via_human_agent and p_user_id is null) then
            raise exception using errcode = 'MM002', message = 'window_closed',
                detail = coalesce('closed since ' || v_window.closed_since, 'the customer never wrote');
        end if;
        if v_window.via_human_agent then v_payload := jsonb_build_object('tag', 'HUMAN_AGENT'); end if;
    end if;
    select * into v_conversation from chat.conversations where id = p_conversation_id;

    insert into chat.messages (project_id, conversation_id, account_id, direction, type, body, status, status_rank,
                               occurred_at, client_message_id, sent_by_user_id, sent_by_ai_agent_id, sent_by_flow_id, payload)
    values (v_conversation.project_id, v_conversation.id, v_conversation.account_id, 'out', p_type, p_body, 'queued',
            chat.status_rank('queued'), now(), p_client_message_id, p_user_id, p_ai_agent_id, p_flow_id,
            coalesce(p_payload, v_payload))
    -- A retry's key already taken (chat.message_client_ids) is skipped by the insert trigger.
    returning id into message_id;

    created := message_id is not null;
    if not created then
        -- A concurrent retry inserted it between our look-up and our insert.
        select id into message_id from chat.messages
        where conversation_id = p_conversation_id and client_message_id = p_client_message_id;
        return;
    end if;

    insert into ops.outbox (project_id, account_id, message_id, conversation_id)
    values (v_conversation.project_id, v_conversation.account_id, message_id, v_conversation.id);

    update chat.conversations
    set last_message_id = message_id, last_message_at = now(), last_message_direction = 'out', last_message_type = p_type,
        last_message_preview = left(coalesce(nullif(p_body, ''), '[' || p_type || ']'), 280)
    where id = p_conversation_id;

    perform ops.emit_change(v_conversation.project_id, 'message_created', p_conversation_id, message_id);
    perform pg_notify('outbox', '');
end
$$;

drop function if exists chat.send_text(bigint, bigint, text, text);
create or replace function chat.send_text(p_conversation_id bigint, p_user_id bigint, p_client_message_id text, p_body text,
                                          p_now timestamptz default now(), out message_id bigint, out created boolean)
language sql as $$
    select message_id, created from chat.queue_outbound(p_conversation_id, p_user_id, p_client_message_id, 'text', p_body, p_now)
$$;

-- Reading is per agent: it moves the agent's read position to the latest message (chat.conversation_reads), which
-- their unread count is measured from, and clears the team's count.
drop function if exists chat.mark_read(bigint);
create or replace function chat.mark_read(p_conversation_id bigint, p_user_id bigint) returns void
language plpgsql as $$
begin
    insert into chat.conversation_reads (user_id, conversation_id, project_id, last_read_at)
    select p_user_id, cv.id, cv.project_id, coalesce(cv.last_message_at, now()) from chat.conversations cv where cv.id = p_conversation_id
    on conflict (user_id, conversation_id) do update set last_read_at = greatest(chat.conversation_reads.last_read_at, excluded.last_read_at);
    update chat.conversations set unread_count = 0, last_read_at = now()
    where id = p_conversation_id and unread_count > 0;
    -- Only the reader's consoles need to hear it: their badge clears; a colleague's count has not changed.
    perform ops.emit_change(project_id, 'conversation_read', id, null, null, array[p_user_id])
    from chat.conversations where id = p_conversation_id;
end
$$;
