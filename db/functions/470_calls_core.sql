-- Calls (issue 17, docs/calls.md): what every writer of calls.calls does after a change — ingestion (Meta's calls
-- webhooks), the Core API (people accepting, rejecting, hanging up, calling) and the Worker (Meta's answers to its
-- Graph calls). One place, so the audit trail, the thread's event and the consoles' push never disagree.

-- One line of a call's audit trail.
create or replace function calls.log_event(p_call_id bigint, p_source text, p_name text, p_detail jsonb default null,
                                           p_user_id bigint default null, p_event_id bigint default null,
                                           p_occurred_at timestamptz default now())
returns void
language sql as $$
    insert into calls.call_events (project_id, call_id, source, name, detail, user_id, event_id, occurred_at)
    select c.project_id, c.id, p_source, p_name, p_detail, p_user_id, p_event_id, coalesce(p_occurred_at, now())
    from calls.calls c where c.id = p_call_id
$$;

-- After any change to a call: its event in the conversation's thread (one chat.messages row of type 'call' per call,
-- filled in as the call progresses, never sent anywhere: it has no outbox row) and a 'call' change for the consoles.
-- The thread row is written on the first change; later changes rewrite its payload and tell the thread with
-- 'message_updated'. The conversation's last-message fields move only when the call row is new, so a call that
-- rings shows in the inbox like a message (a missed call stays visible there); the 24-hour window is not touched
-- (chat.window_state reads last_inbound_at, which only customer messages move).
-- Call messages are not messages for the dashboards' counts (they are counted as calls).
create or replace function calls.touch(p_call_id bigint) returns void
language plpgsql as $$
declare
    c calls.calls;
    v_payload jsonb;
    v_message_id bigint;
    v_preview text;
begin
    select * into c from calls.calls where id = p_call_id;
    if not found then return; end if;
    v_payload := jsonb_build_object(
        'call_id', c.id, 'direction', c.direction, 'state', c.state, 'outcome', c.outcome,
        'accepted_by', c.accepted_by, 'accepted_by_name', (select u.display_name from core.users u where u.id = c.accepted_by),
        'started_by', c.started_by, 'started_by_name', (select u.display_name from core.users u where u.id = c.started_by),
        'connected_at', c.connected_at, 'ended_at', c.ended_at, 'duration_seconds', c.duration_seconds,
        'ended_by', c.ended_by, 'error_code', c.error_code, 'error_title', c.error_title,
        'has_recording', exists (select 1 from calls.recordings r where r.call_id = c.id and r.deleted_at is null));
    -- The preview the inbox shows: a stable code the console translates ([call:missed], [call:completed] …).
    -- A business call the customer did not pick up is theirs to miss, not ours: "no answer" for the business.
    v_preview := '[call:' || case when c.direction = 'out' and c.outcome = 'missed' then 'no_answer' else coalesce(c.outcome, c.state) end || ']';

    if c.message_id is null then
        insert into chat.messages (project_id, conversation_id, account_id, direction, type, body, payload, status, status_rank,
                                   occurred_at, sent_by_user_id)
        values (c.project_id, c.conversation_id, c.account_id, c.direction, 'call', null, v_payload,
                case c.direction when 'in' then 'received' else 'sent' end,
                chat.status_rank(case c.direction when 'in' then 'received' else 'sent' end), c.ringing_at, c.started_by)
        returning id into v_message_id;
        update calls.calls set message_id = v_message_id where id = c.id;
        update chat.conversations
        set last_message_id = v_message_id, last_message_at = greatest(coalesce(last_message_at, c.ringing_at), c.ringing_at),
            last_message_direction = c.direction, last_message_type = 'call', last_message_preview = v_preview
        where id = c.conversation_id and (last_message_at is null or last_message_at <= c.ringing_at);
        perform ops.emit_change(c.project_id, 'message_created', c.conversation_id, v_message_id);
    else
        v_message_id := c.message_id;
        update chat.messages set payload = v_payload where id = v_message_id;
        update chat.conversations set last_message_preview = v_preview
        where id = c.conversation_id and last_message_id = v_message_id;
        perform ops.emit_change(c.project_id, 'message_updated', c.conversation_id, v_message_id);
    end if;
    perform ops.emit_change(c.project_id, 'call', c.conversation_id, v_message_id,
                            jsonb_build_object('call_id', c.id, 'state', c.state, 'outcome', c.outcome));
end
$$;
