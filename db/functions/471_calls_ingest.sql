-- Part of meta.ingest_staged (through meta.ingest_staged_business): Meta's `calls` webhooks (docs/calls.md,
-- "Ingestion"), staged by the parser (WhatsAppCalls) as business events of kind 'call': event = connect, terminate,
-- call_recording_available … or a call status (RINGING, ACCEPTED, REJECTED); template_id = the call's id (wacid);
-- reason = the terminate's COMPLETED / FAILED; payload = {call: the item as Meta sent it, contact_name, value_errors}.
-- Calls are a handful a minute, so this runs event by event, in the batch's order, reading the payload's fields.
--
-- The account is found among the accounts of the app that signed the event (as every business event is); an event
-- for no account of that app changes nothing here (it stays in meta.webhook_events).
-- Meta sends twice and out of order; the rules that make any order end the same:
--   * a call is found by (account, wacid), or for a business-initiated call by the Worker's marker "mm-call-{id}";
--   * a user's call unknown here is made by its first event, connect or terminate (a terminate first: missed or
--     completed, and the late connect only adds the offer to the audit trail);
--   * an ended call never moves again (every change requires state <> 'ended'); RINGING never moves a connected call
--     back; a repeated event changes nothing it already set.
-- Outcome of a terminate: failed when Meta gives an error; completed when the call connected (ACCEPTED seen, a
-- start_time or a duration); otherwise missed (nobody took the customer's call, or the customer did not pick up).
-- Meta's values read defensively: a malformed number, time or flag in one call webhook must not fail the ingest batch
-- it came in (a failed batch is retried event by event, and the event that still fails is kept raw only — with a
-- customer's permission reply, that would lose their message too). A value that cannot be read is null here; the raw
-- webhook keeps it, and the call's trail shows the event as Meta sent it.
create or replace function calls.read_int(p_text text) returns int
language sql immutable as $$
    select case when btrim(p_text) ~ '^-?[0-9]{1,9}$' then btrim(p_text)::int end
$$;

create or replace function calls.read_seconds(p_text text) returns int
language sql immutable as $$
    select case when btrim(p_text) ~ '^[0-9]{1,9}(\.[0-9]+)?$' then round(btrim(p_text)::numeric)::int end
$$;

create or replace function calls.read_epoch(p_text text) returns timestamptz
language sql immutable as $$
    select case when btrim(p_text) ~ '^[0-9]{1,11}$' then to_timestamp(btrim(p_text)::bigint) end
$$;

create or replace function calls.read_flag(p_text text) returns boolean
language sql immutable as $$
    select case lower(btrim(p_text)) when 'true' then true when 'false' then false end
$$;

create or replace function calls.ingest_staged() returns void
language plpgsql as $$
declare
    e record;
    v_account meta.accounts;
    v_call calls.calls;
    v_c jsonb;
    v_payload jsonb;
    v_error jsonb;
    v_at timestamptz;
    v_marker bigint;
    v_contact bigint;
    v_conversation bigint;
    v_connected boolean;
    v_outcome text;
    v_new_conversations bigint[] := '{}';
    v_touched bigint[] := '{}';
begin
    for e in
        select b.seq, b.event, b.template_id as call_id, b.reason, b.account_external_id, b.customer_external_id,
               b.occurred_at, b.payload, n.event_id, n.app_id, n.received_at
        from stg_business b join stg_new_events n using (seq)
        where b.kind = 'call'
        order by b.seq
    loop
        select * into v_account from meta.accounts a
        where a.channel = 'whatsapp' and a.external_id = e.account_external_id and a.app_id = e.app_id
        order by a.id limit 1;
        if v_account.id is null or v_account.project_id is null then continue; end if;
        v_payload := e.payload::jsonb;
        v_c := v_payload -> 'call';
        v_at := coalesce(e.occurred_at, e.received_at);
        v_call := null;

        select * into v_call from calls.calls c where c.account_id = v_account.id and c.provider_call_id = e.call_id;
        if v_call.id is null and (v_c ->> 'biz_opaque_callback_data') ~ '^mm-call-[0-9]{1,18}$' then
            v_marker := substring(v_c ->> 'biz_opaque_callback_data' from 9)::bigint;
            select * into v_call from calls.calls c where c.id = v_marker and c.account_id = v_account.id;
        end if;

        if v_call.id is null then
            -- Only a customer's call is made from a webhook; a business call the platform did not place is left raw.
            if coalesce(v_c ->> 'direction', 'USER_INITIATED') <> 'USER_INITIATED' or e.event not in ('connect', 'terminate') then
                continue;
            end if;
            insert into chat.contacts as k (project_id, channel, external_id, bsuid, display_name, phone)
            values (v_account.project_id, 'whatsapp', e.customer_external_id, v_payload ->> 'contact_bsuid', v_payload ->> 'contact_name',
                    case when e.customer_external_id ~ '^[0-9]+$' then e.customer_external_id end)
            on conflict (project_id, channel, external_id) do update
                set display_name = coalesce(k.display_name, excluded.display_name), bsuid = coalesce(excluded.bsuid, k.bsuid)
            returning id into v_contact;
            insert into chat.conversations (project_id, account_id, contact_id, channel)
            values (v_account.project_id, v_account.id, v_contact, 'whatsapp')
            on conflict (account_id, contact_id) do nothing
            returning id into v_conversation;
            if v_conversation is not null then
                v_new_conversations := v_new_conversations || v_conversation;
            else
                select id into v_conversation from chat.conversations where account_id = v_account.id and contact_id = v_contact;
            end if;
            insert into calls.calls (project_id, account_id, conversation_id, contact_id, provider_call_id, direction, state,
                                     offer_sdp, ringing_at)
            values (v_account.project_id, v_account.id, v_conversation, v_contact, e.call_id, 'in', 'ringing',
                    case when e.event = 'connect' then v_c -> 'session' ->> 'sdp' end, v_at)
            on conflict (account_id, provider_call_id) where provider_call_id is not null do nothing
            returning * into v_call;
            if v_call.id is null then
                select * into v_call from calls.calls c where c.account_id = v_account.id and c.provider_call_id = e.call_id;
            end if;
        elsif v_call.state <> 'ended' then
            if e.event = 'connect' and v_call.direction = 'out' then
                -- Meta's answer to the browser's offer: the call now rings on the customer's phone.
                update calls.calls
                set answer_sdp = coalesce(answer_sdp, v_c -> 'session' ->> 'sdp'), provider_call_id = coalesce(provider_call_id, e.call_id),
                    state = case when state = 'connecting' then 'ringing' else state end, updated_at = now()
                where id = v_call.id and state <> 'ended';
            elsif e.event = 'connect' then
                update calls.calls set offer_sdp = coalesce(offer_sdp, v_c -> 'session' ->> 'sdp'), updated_at = now()
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
            -- The error: the call's own, else the one Meta repeats beside it (value.errors).
            v_error := coalesce(v_c -> 'errors' -> 0, v_payload -> 'value_errors' -> 0);
            select * into v_call from calls.calls where id = v_call.id;
            v_connected := v_call.connected_at is not null or v_call.state = 'connected' or v_c ? 'start_time'
                           or coalesce(calls.read_seconds(v_c ->> 'duration'), 0) > 0;
            v_outcome := case when v_error is not null and e.reason = 'FAILED' then 'failed'
                              when v_connected then 'completed'
                              else 'missed' end;
            update calls.calls
            set state = 'ended', outcome = v_outcome,
                ended_by = case when v_outcome = 'failed' then 'meta' else 'customer' end,
                connected_at = coalesce(connected_at, calls.read_epoch(v_c ->> 'start_time')),
                ended_at = coalesce(calls.read_epoch(v_c ->> 'end_time'), v_at),
                duration_seconds = calls.read_seconds(v_c ->> 'duration'),
                error_code = calls.read_int(v_error ->> 'code'),
                error_title = coalesce(v_error ->> 'title', v_error ->> 'message'),
                error_details = v_error -> 'error_data' ->> 'details',
                updated_at = now()
            where id = v_call.id and state <> 'ended';
            -- Ended here first (an agent hung up): Meta's figures still complete the record.
            update calls.calls
            set duration_seconds = coalesce(duration_seconds, calls.read_seconds(v_c ->> 'duration')),
                connected_at = coalesce(connected_at, calls.read_epoch(v_c ->> 'start_time'))
            where id = v_call.id and state = 'ended' and duration_seconds is null and v_c ? 'duration';
        end if;

        -- The trail keeps Meta's event without the SDP (it is on the call row).
        perform calls.log_event(v_call.id, 'webhook', lower(e.event), v_c #- '{session,sdp}', null, e.event_id, v_at);
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
               case when r ->> 'response' <> 'accept' then 'no_permission'
                    when coalesce(calls.read_flag(r ->> 'is_permanent'), false) then 'permanent' else 'temporary' end,
               case when r ->> 'response' = 'accept' and not coalesce(calls.read_flag(r ->> 'is_permanent'), false)
                    then calls.read_epoch(r ->> 'expiration_timestamp') end,
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
