-- Part of meta.ingest_staged (through meta.ingest_staged_business): Meta's `calls` webhooks (docs/calls.md,
-- "Ingestion"), staged by the parser (WhatsAppCalls) as business events of kind 'call': event = connect, terminate,
-- call_recording_available … or a call status (RINGING, ACCEPTED, REJECTED); template_id = the call's id (wacid);
-- payload = the fields the parser read, typed (event, direction, status, start_time, end_time, duration as numbers,
-- sdp_type, sdp, marker, error {code, title, details}, customer_bsuid, contact_name), value_errors (what it could not
-- read: such a value is null here) and call (the item as Meta sent it, for the trail). Nothing here casts Meta's text,
-- so one malformed value never costs the rest of the event. Calls are a handful a minute: event by event, in order.
--
-- The account is found among the accounts of the app that signed the event (as every business event is); an event
-- for no account of that app changes nothing here (it stays in meta.webhook_events).
-- Meta sends twice and out of order; the rules that make any order end the same:
--   * a call is found by (account, wacid), or for a business-initiated call by the Worker's marker "mm-call-{id}";
--   * a call unknown here is made by its first event (a customer's call: in; a business call the platform did not
--     place: out, placed_outside), and a terminate first makes and ends it; a late connect only adds to the trail;
--   * an ended call never moves again (every change requires state <> 'ended'); RINGING never moves a connected call
--     back; a repeated event changes nothing it already set.
-- Outcome of a terminate (docs/calls.md, "Outcomes"): failed when Meta says FAILED and gives an error; otherwise
-- completed when the call connected (ACCEPTED seen, a start_time or a duration); otherwise, not connected, missed
-- for a customer's call (nobody here took it) and no_answer for a business call (the customer did not pick up).
create or replace function calls.ingest_staged() returns void
language plpgsql as $$
declare
    e record;
    v_account meta.accounts;
    v_call calls.calls;
    p jsonb;
    v_error jsonb;
    v_at timestamptz;
    v_marker bigint;
    v_contact bigint;
    v_conversation bigint;
    v_connected boolean;
    v_outcome text;
    v_out boolean;
    v_new_conversations bigint[] := '{}';
    v_touched bigint[] := '{}';
begin
    for e in
        select b.seq, b.event, b.template_id as call_id, b.account_external_id, b.customer_external_id,
               b.occurred_at, b.payload, n.event_id, n.app_id, n.received_at
        from stg_business b join stg_new_events n using (seq)
        where b.kind = 'call'
        order by b.seq
    loop
        select * into v_account from meta.accounts a
        where a.channel = 'whatsapp' and a.external_id = e.account_external_id and a.app_id = e.app_id
        order by a.id limit 1;
        if v_account.id is null or v_account.project_id is null then continue; end if;
        p := e.payload::jsonb;
        v_at := coalesce(e.occurred_at, e.received_at);
        v_call := null;

        select * into v_call from calls.calls c where c.account_id = v_account.id and c.provider_call_id = e.call_id;
        if v_call.id is null and (p ->> 'marker') ~ '^mm-call-[0-9]{1,18}$' then
            v_marker := substring(p ->> 'marker' from 9)::bigint;
            select * into v_call from calls.calls c where c.id = v_marker and c.account_id = v_account.id;
        end if;

        if v_call.id is null then
            -- Made by its first event: connect, terminate, or (a business call) a status. The recording and
            -- transcription events of a call unknown here have nothing to attach to.
            if e.event not in ('connect', 'terminate', 'RINGING', 'ACCEPTED', 'REJECTED') then continue; end if;
            -- A direction Meta sent but the parser could not read: who the customer is (from or to) is unknown, so
            -- nothing is made (a call known here takes the event whatever its direction says). The raw body is kept.
            if p ->> 'direction' is null and (p -> 'call') ? 'direction' then continue; end if;
            v_out := coalesce(p ->> 'direction', 'USER_INITIATED') = 'BUSINESS_INITIATED';
            -- The customer, found or made as message ingestion does (wa_id, BSUID, name).
            select u.contact_id into v_contact
            from chat.upsert_contacts(array[v_account.project_id], array['whatsapp'], array[e.customer_external_id],
                                      array[p ->> 'customer_bsuid'], array[p ->> 'contact_name']) u;
            insert into chat.conversations (project_id, account_id, contact_id, channel)
            values (v_account.project_id, v_account.id, v_contact, 'whatsapp')
            on conflict (account_id, contact_id) do nothing
            returning id into v_conversation;
            if v_conversation is not null then
                v_new_conversations := v_new_conversations || v_conversation;
            else
                select id into v_conversation from chat.conversations where account_id = v_account.id and contact_id = v_contact;
            end if;
            -- A business call the platform did not place (another app or the WhatsApp Business app on this number):
            -- kept as the account's call so the thread and the switchboard's history are complete; nobody here is on it.
            insert into calls.calls (project_id, account_id, conversation_id, contact_id, provider_call_id, direction, state,
                                     offer_sdp, answer_sdp, ringing_at, placed_outside)
            values (v_account.project_id, v_account.id, v_conversation, v_contact, e.call_id,
                    case when v_out then 'out' else 'in' end,
                    case when e.event = 'ACCEPTED' then 'connected' else 'ringing' end,
                    case when e.event = 'connect' and not v_out then p ->> 'sdp' end,
                    case when e.event = 'connect' and v_out then p ->> 'sdp' end,
                    v_at, v_out)
            on conflict (account_id, provider_call_id) where provider_call_id is not null do nothing
            returning * into v_call;
            if v_call.id is null then
                select * into v_call from calls.calls c where c.account_id = v_account.id and c.provider_call_id = e.call_id;
            elsif e.event = 'ACCEPTED' then
                update calls.calls set connected_at = v_at where id = v_call.id;
            elsif e.event = 'REJECTED' then
                update calls.calls set state = 'ended', outcome = 'rejected', ended_by = 'customer', ended_at = v_at
                where id = v_call.id;
            end if;
        elsif v_call.state <> 'ended' then
            if e.event = 'connect' and v_call.direction = 'out' then
                -- Meta's answer to the browser's offer: the call now rings on the customer's phone.
                update calls.calls
                set answer_sdp = coalesce(answer_sdp, p ->> 'sdp'), provider_call_id = coalesce(provider_call_id, e.call_id),
                    state = case when state = 'connecting' then 'ringing' else state end, updated_at = now()
                where id = v_call.id and state <> 'ended';
            elsif e.event = 'connect' then
                update calls.calls set offer_sdp = coalesce(offer_sdp, p ->> 'sdp'), updated_at = now()
                where id = v_call.id and state <> 'ended';
            elsif e.event = 'RINGING' then
                update calls.calls
                set state = case when state = 'connecting' then 'ringing' else state end,
                    provider_call_id = coalesce(provider_call_id, e.call_id), updated_at = now()
                where id = v_call.id and state <> 'ended';
            elsif e.event = 'ACCEPTED' then
                update calls.calls set state = 'connected', connected_at = coalesce(connected_at, v_at),
                       provider_call_id = coalesce(provider_call_id, e.call_id), updated_at = now()
                where id = v_call.id and state <> 'ended';
            elsif e.event = 'REJECTED' then
                update calls.calls set state = 'ended', outcome = 'rejected', ended_by = 'customer', ended_at = v_at, updated_at = now()
                where id = v_call.id and state <> 'ended';
            end if;
        end if;

        if e.event = 'terminate' then
            v_error := p -> 'error';
            if jsonb_typeof(v_error) <> 'object' then v_error := null; end if;
            select * into v_call from calls.calls where id = v_call.id;
            v_connected := v_call.connected_at is not null or v_call.state = 'connected'
                           or jsonb_typeof(p -> 'start_time') = 'number' or coalesce((p ->> 'duration')::int, 0) > 0;
            v_outcome := case when p ->> 'status' = 'FAILED' and v_error is not null then 'failed'
                              when v_connected then 'completed'
                              when v_call.direction = 'out' then 'no_answer'
                              else 'missed' end;
            update calls.calls
            set state = 'ended', outcome = v_outcome,
                ended_by = case when v_outcome = 'failed' then 'meta' else 'customer' end,
                connected_at = coalesce(connected_at, to_timestamp((p ->> 'start_time')::bigint)),
                ended_at = coalesce(to_timestamp((p ->> 'end_time')::bigint), v_at),
                duration_seconds = (p ->> 'duration')::int,
                -- Meta's error is the call's only when the call failed; the trail keeps it either way.
                error_code = case when v_outcome = 'failed' then (v_error ->> 'code')::int end,
                error_title = case when v_outcome = 'failed' then v_error ->> 'title' end,
                error_details = case when v_outcome = 'failed' then v_error ->> 'details' end,
                updated_at = now()
            where id = v_call.id and state <> 'ended';
            -- Ended here first (an agent hung up): Meta's figures still complete the record.
            update calls.calls
            set duration_seconds = coalesce(duration_seconds, (p ->> 'duration')::int),
                connected_at = coalesce(connected_at, to_timestamp((p ->> 'start_time')::bigint))
            where id = v_call.id and state = 'ended' and duration_seconds is null and jsonb_typeof(p -> 'duration') = 'number';
        end if;

        -- The trail keeps Meta's event without the SDP (it is on the call row), and what could not be read in it.
        perform calls.log_event(v_call.id, 'webhook', lower(e.event),
                                (p -> 'call') #- '{session,sdp}'
                                || case when jsonb_array_length(coalesce(p -> 'value_errors', '[]')) > 0
                                        then jsonb_build_object('value_errors', p -> 'value_errors') else '{}' end,
                                null, e.event_id, v_at);
        v_touched := v_touched || v_call.id;
    end loop;

    if cardinality(v_new_conversations) > 0 then perform chat.route_conversations(v_new_conversations); end if;
    perform calls.touch(id) from (select distinct unnest(v_touched) as id) t order by id;
end
$$;

-- Part of chat.ingest_staged_messages: the customer's call_permission_reply (an interactive message, kept as such in
-- the thread) is their permission for this number: accept → permanent, or temporary until expiration_timestamp;
-- reject → no_permission; response_source automatic (a user's call to a number with callback permission on) →
-- source automatic. The request it answers (context.id = the request's wamid) gets its response. An older reply that
-- arrives after a newer one does not overwrite it.
-- plpgsql, not sql: its statement reads the ingest's temp table, which does not exist when the migrator creates it.
create or replace function calls.apply_permission_replies() returns void
language plpgsql as $$
begin
    with replies as (
        select m.id, m.project_id, m.account_id, cv.contact_id, m.occurred_at, m.reply_to_provider_id,
               m.payload -> 'interactive' -> 'call_permission_reply' as r
        from stg_new_messages n
        join chat.messages m on m.id = n.id
        join chat.conversations cv on cv.id = m.conversation_id
        where n.direction = 'in' and n.type = 'interactive' and m.payload -> 'interactive' ->> 'type' = 'call_permission_reply'
    ),
    granted as (
        insert into calls.permissions as p (account_id, contact_id, project_id, status, expires_at, source, reply_message_id, updated_at)
        select distinct on (account_id, contact_id) account_id, contact_id, project_id,
               -- No cast of Meta's text that could fail the batch: a malformed is_permanent is not permanent, a
               -- malformed expiry is unknown (the permission then reads as expired until a lookup says otherwise).
               case when r ->> 'response' <> 'accept' then 'no_permission'
                    when coalesce(r ->> 'is_permanent' = 'true', false) then 'permanent' else 'temporary' end,
               case when r ->> 'response' = 'accept' and not coalesce(r ->> 'is_permanent' = 'true', false)
                         and r ->> 'expiration_timestamp' ~ '^[0-9]{1,11}$'
                    then to_timestamp((r ->> 'expiration_timestamp')::bigint) end,
               case when r ->> 'response_source' = 'automatic' then 'automatic' else 'reply' end,
               id, now()
        from replies
        order by account_id, contact_id, occurred_at desc, id desc
        on conflict (account_id, contact_id) do update
            set status = excluded.status, expires_at = excluded.expires_at, source = excluded.source,
                reply_message_id = excluded.reply_message_id, updated_at = now()
            where not exists (select 1 from chat.messages older, chat.messages newer
                              where older.id = excluded.reply_message_id and newer.id = p.reply_message_id
                                and newer.occurred_at > older.occurred_at)
        returning p.account_id
    )
    update calls.permission_requests pr
    set response = case when r.r ->> 'response' = 'accept' then 'accept' else 'reject' end, responded_at = r.occurred_at
    from replies r
    join chat.messages q on q.account_id = r.account_id and q.provider_message_id = r.reply_to_provider_id
    where pr.message_id = q.id and pr.responded_at is null;
end
$$;
