-- Calls (issue 17, docs/calls.md "Core API"): what people do to calls through the Core API. Each write ends the way
-- the Worker's queue expects (docs/calls.md "The Worker's call actions"): the call row changes first, then the action
-- is queued, then calls.log_event and calls.touch — in one transaction, so the console, the audit trail and the
-- Worker never see half of it. Refusals come back as a stable code (CallErrors in src/Contracts/Calls.cs).

-- Whether a number lets this person take ('take') or make ('make') its calls: a number that lists nobody in
-- calls.account_agents leaves it to the role; one that lists people lets only them, each for what their row allows.
create or replace function calls.listed_for(p_account_id bigint, p_user_id bigint, p_kind text) returns boolean
language sql stable as $$
    select not exists (select 1 from calls.account_agents where account_id = p_account_id)
        or exists (select 1 from calls.account_agents
                   where account_id = p_account_id and user_id = p_user_id
                     and case p_kind when 'take' then can_take else can_make end)
$$;

-- A person takes a ringing inbound call. The update's condition is the whole race: of two people taking the same
-- call at once, the second update waits for the first's row lock, re-reads the row (no longer ringing) and changes
-- nothing, so exactly one wins and the other is told call_already_taken.
create or replace function calls.accept(p_project_id bigint, p_call_id bigint, p_user_id bigint, p_sdp text) returns text
language plpgsql as $$
declare
    c calls.calls;
begin
    update calls.calls
    set state = 'accepting', accepted_by = p_user_id, accepted_at = now(), answer_sdp = p_sdp, updated_at = now()
    where id = p_call_id and project_id = p_project_id and direction = 'in' and state = 'ringing' and accepted_by is null
    returning * into c;
    if not found then
        select * into c from calls.calls where id = p_call_id and project_id = p_project_id;
        if not found then return 'call_not_found'; end if;
        if c.accepted_by is not null then return 'call_already_taken'; end if;
        return 'call_not_ringing';
    end if;
    insert into calls.actions (project_id, account_id, call_id, kind, sdp, requested_by)
    values (c.project_id, c.account_id, c.id, 'accept', p_sdp, p_user_id);
    perform calls.log_event(c.id, 'console', 'accept', null, p_user_id);
    perform calls.touch(c.id);
    return null;
end
$$;

-- A person declines a ringing inbound call: it ends here first (rejected, by an agent), then Meta is told.
create or replace function calls.reject(p_project_id bigint, p_call_id bigint, p_user_id bigint) returns text
language plpgsql as $$
declare
    c calls.calls;
begin
    update calls.calls
    set state = 'ended', outcome = 'rejected', ended_by = 'agent', ended_at = now(), updated_at = now()
    where id = p_call_id and project_id = p_project_id and direction = 'in' and state = 'ringing'
    returning * into c;
    if not found then
        if not exists (select 1 from calls.calls where id = p_call_id and project_id = p_project_id) then return 'call_not_found'; end if;
        return 'call_not_ringing';
    end if;
    insert into calls.actions (project_id, account_id, call_id, kind, requested_by)
    values (c.project_id, c.account_id, c.id, 'reject', p_user_id);
    perform calls.log_event(c.id, 'console', 'reject', null, p_user_id);
    perform calls.touch(c.id);
    return null;
end
$$;

-- The person on the call (who took or placed it) hangs up, or the switchboard (p_any) ends someone's call: completed
-- when it was connected, cancelled otherwise; then Meta is told. Ending an ended call changes nothing (two clicks,
-- or the customer hung up first) and is no error.
create or replace function calls.hangup(p_project_id bigint, p_call_id bigint, p_user_id bigint, p_any boolean) returns text
language plpgsql as $$
declare
    c calls.calls;
begin
    select * into c from calls.calls where id = p_call_id and project_id = p_project_id for update;
    if not found then return 'call_not_found'; end if;
    if not p_any and p_user_id is distinct from c.accepted_by and p_user_id is distinct from c.started_by then return 'call_not_yours'; end if;
    if c.state = 'ended' then return null; end if;
    update calls.calls
    set state = 'ended', outcome = case when c.state = 'connected' then 'completed' else 'cancelled' end, ended_by = 'agent',
        ended_at = now(), updated_at = now(), on_hold = false,
        duration_seconds = case when c.connected_at is not null then greatest(0, extract(epoch from now() - c.connected_at))::int end
    where id = c.id;
    insert into calls.actions (project_id, account_id, call_id, kind, requested_by)
    values (c.project_id, c.account_id, c.id, 'terminate', p_user_id);
    perform calls.log_event(c.id, 'console', 'hangup', jsonb_build_object('from_state', c.state), p_user_id);
    perform calls.touch(c.id);
    return null;
end
$$;

-- Hold is the browser's (it mutes its tracks); the platform keeps the flag for the switchboard and the audit trail.
create or replace function calls.hold(p_project_id bigint, p_call_id bigint, p_user_id bigint, p_on_hold boolean) returns text
language plpgsql as $$
declare
    c calls.calls;
begin
    select * into c from calls.calls where id = p_call_id and project_id = p_project_id for update;
    if not found then return 'call_not_found'; end if;
    if p_user_id is distinct from c.accepted_by and p_user_id is distinct from c.started_by then return 'call_not_yours'; end if;
    if c.state not in ('accepting', 'connected') then return 'call_not_ringing'; end if;
    if c.on_hold = p_on_hold then return null; end if;
    update calls.calls set on_hold = p_on_hold, updated_at = now() where id = c.id;
    perform calls.log_event(c.id, 'console', case when p_on_hold then 'hold' else 'resume' end, null, p_user_id);
    perform calls.touch(c.id);
    return null;
end
$$;

-- Whether the business may call this customer on this number now: calling enabled, and a permission that holds.
-- Returns the refusal code, null when it may.
create or replace function calls.call_refusal(p_account_id bigint, p_contact_id bigint) returns text
language sql stable as $$
    select case
        when not coalesce((select s.calling_enabled from calls.settings s where s.account_id = p_account_id), false) then 'calling_disabled'
        when p.status is null or p.status = 'no_permission' then 'call_no_permission'
        when p.status = 'temporary' and (p.expires_at is null or p.expires_at <= now()) then 'call_permission_expired'
        else null end
    from (select 1) one
    left join calls.permissions p on p.account_id = p_account_id and p.contact_id = p_contact_id
$$;

-- A person calls the customer of a conversation: the call (connecting, with the browser's offer) and its connect
-- action. One live call per number and customer: a second is refused while the first lives (the lock on the
-- conversation row serializes two people calling at once).
create or replace function calls.start(p_project_id bigint, p_conversation_id bigint, p_user_id bigint, p_sdp text,
                                       out call_id bigint, out code text)
language plpgsql as $$
declare
    v chat.conversations;
begin
    select * into v from chat.conversations where id = p_conversation_id and project_id = p_project_id for update;
    if not found then code := 'call_not_found'; return; end if;
    if v.channel <> 'whatsapp' then code := 'call_not_whatsapp'; return; end if;
    if not calls.listed_for(v.account_id, p_user_id, 'make') then code := 'call_not_allowed_on_number'; return; end if;
    code := calls.call_refusal(v.account_id, v.contact_id);
    if code is not null then return; end if;
    if exists (select 1 from calls.calls c where c.account_id = v.account_id and c.contact_id = v.contact_id and c.state <> 'ended') then
        code := 'call_in_progress'; return;
    end if;
    insert into calls.calls (project_id, account_id, conversation_id, contact_id, direction, state, offer_sdp, started_by)
    values (v.project_id, v.account_id, v.id, v.contact_id, 'out', 'connecting', p_sdp, p_user_id)
    returning id into call_id;
    insert into calls.actions (project_id, account_id, call_id, contact_id, kind, sdp, requested_by)
    values (v.project_id, v.account_id, call_id, v.contact_id, 'connect', p_sdp, p_user_id);
    perform calls.log_event(call_id, 'console', 'start', null, p_user_id);
    perform calls.touch(call_id);
end
$$;

-- Whether the business may call the customer of a conversation, and whether a permission request may be sent now.
-- Meta's limits per number and customer (1 request per 24 h, 2 per 7 days, counted since the last connected call,
-- which resets them; none once permission is permanent) are enforced here before sending; Meta's 138009 / 138017
-- stay the backstop. A request not answered yet (within the week it counts for) stops another one.
create or replace function calls.permission_state(p_conversation_id bigint, p_now timestamptz default now())
returns table (account_id bigint, contact_id bigint, status text, expires_at timestamptz, call_refusal text,
               request_refusal text, next_request_at timestamptz, pending_request_at timestamptz)
language plpgsql stable as $$
declare
    v chat.conversations;
    v_open boolean;
    v_reset timestamptz;
    v_day_next timestamptz;
    v_week_next timestamptz;
begin
    select * into v from chat.conversations where id = p_conversation_id;
    if not found then return; end if;
    account_id := v.account_id;
    contact_id := v.contact_id;
    select p.status, p.expires_at into status, expires_at
    from calls.permissions p where p.account_id = v.account_id and p.contact_id = v.contact_id;
    status := coalesce(status, 'no_permission');
    call_refusal := calls.call_refusal(v.account_id, v.contact_id);
    select w.is_open into v_open from chat.window_state(p_conversation_id, p_now) w;
    select max(c.connected_at) into v_reset from calls.calls c
    where c.account_id = v.account_id and c.contact_id = v.contact_id and c.connected_at is not null;
    select max(r.requested_at) into pending_request_at from calls.permission_requests r
    where r.account_id = v.account_id and r.contact_id = v.contact_id and r.response is null
      and r.requested_at > p_now - interval '7 days' and r.requested_at > coalesce(v_reset, '-infinity');
    select min(r.requested_at) + interval '24 hours' into v_day_next from calls.permission_requests r
    where r.account_id = v.account_id and r.contact_id = v.contact_id
      and r.requested_at > p_now - interval '24 hours' and r.requested_at > coalesce(v_reset, '-infinity');
    -- The week allows two: the next one comes when the older of the last two leaves the 7 days.
    select case when count(*) >= 2 then min(x.requested_at) + interval '7 days' end into v_week_next
    from (select r.requested_at from calls.permission_requests r
          where r.account_id = v.account_id and r.contact_id = v.contact_id
            and r.requested_at > p_now - interval '7 days' and r.requested_at > coalesce(v_reset, '-infinity')
          order by r.requested_at desc limit 2) x;
    request_refusal := case
        when v.channel <> 'whatsapp' then 'call_not_whatsapp'
        when status = 'permanent' then 'call_permission_already_permanent'
        when not coalesce(v_open, false) then 'call_permission_window_closed'
        when pending_request_at is not null then 'call_permission_pending'
        when v_week_next is not null and v_week_next >= coalesce(v_day_next, '-infinity') then 'call_permission_weekly_limit'
        when v_day_next is not null then 'call_permission_daily_limit'
        end;
    if request_refusal in ('call_permission_weekly_limit', 'call_permission_daily_limit') then
        next_request_at := greatest(v_day_next, v_week_next);
    end if;
    return next;
end
$$;

-- Sends a permission request: the limits checked under the conversation's lock (two clicks send one), then an
-- interactive call_permission_request message through the outbox like any reply (chat.queue_outbound: the window,
-- the send lock, the thread), its Graph shape in the payload the Worker sends as is, and the request recorded.
create or replace function calls.request_permission(p_conversation_id bigint, p_user_id bigint, p_text text) returns text
language plpgsql as $$
declare
    v chat.conversations;
    s record;
    v_message_id bigint;
begin
    select * into v from chat.conversations where id = p_conversation_id for update;
    if not found then return 'call_not_found'; end if;
    if not calls.listed_for(v.account_id, p_user_id, 'make') then return 'call_not_allowed_on_number'; end if;
    select * into s from calls.permission_state(p_conversation_id);
    if s.request_refusal is not null then return s.request_refusal; end if;
    select q.message_id into v_message_id
    from chat.queue_outbound(p_conversation_id, p_user_id, 'call-permission-' || gen_random_uuid(), 'interactive', p_text) q;
    update chat.messages
    set payload = coalesce(payload, '{}') || jsonb_build_object('interactive', jsonb_build_object(
        'type', 'call_permission_request', 'action', jsonb_build_object('name', 'call_permission_request'),
        'body', jsonb_build_object('text', p_text)))
    where id = v_message_id;
    insert into calls.permission_requests (project_id, account_id, contact_id, conversation_id, message_id, requested_by)
    values (v.project_id, v.account_id, v.contact_id, v.id, v_message_id, p_user_id);
    return null;
end
$$;

-- Calling settings of one WhatsApp number, saved by a person (calls.manage): a new version, pending until the Worker
-- pushed it to Meta (its 'settings' action), and a command in the log with what it was and what it is.
-- Returns false when the account is not a WhatsApp number of the project.
create or replace function calls.save_settings(p_project_id bigint, p_account_id bigint, p_user_id bigint, p_calling_enabled boolean,
    p_icon_visible boolean, p_callback_permission boolean, p_call_hours jsonb, p_recording_enabled boolean, p_retention_days int)
returns boolean
language plpgsql as $$
declare
    v_before jsonb;
    v_after calls.settings;
begin
    if not exists (select 1 from meta.accounts where id = p_account_id and project_id = p_project_id and channel = 'whatsapp') then
        return false;
    end if;
    select to_jsonb(s) - 'sync_state' - 'sync_error' - 'synced_at' into v_before from calls.settings s where s.account_id = p_account_id for update;
    insert into calls.settings as s (account_id, project_id, calling_enabled, icon_visible, callback_permission, call_hours,
                                     recording_enabled, recording_retention_days, updated_by)
    values (p_account_id, p_project_id, p_calling_enabled, p_icon_visible, p_callback_permission, p_call_hours, p_recording_enabled,
            p_retention_days, p_user_id)
    on conflict (account_id) do update
    set calling_enabled = excluded.calling_enabled, icon_visible = excluded.icon_visible,
        callback_permission = excluded.callback_permission, call_hours = excluded.call_hours,
        recording_enabled = excluded.recording_enabled, recording_retention_days = excluded.recording_retention_days,
        version = s.version + 1, sync_state = 'pending', sync_error = null, updated_by = p_user_id, updated_at = now()
    returning * into v_after;
    insert into calls.actions (project_id, account_id, kind, requested_by) values (p_project_id, p_account_id, 'settings', p_user_id);
    perform ops.record_command(p_project_id, p_user_id, 'calls.settings.update', 'account', p_account_id::text, v_before,
                               to_jsonb(v_after) - 'sync_state' - 'sync_error' - 'synced_at');
    return true;
end
$$;

-- Who takes and makes calls on one number (the whole list at once; an empty list leaves it to the roles). Only
-- members of the project; a command in the log. Returns false when the account is not a WhatsApp number of the
-- project, and raises when someone listed is no member (the API checks first).
create or replace function calls.save_agents(p_project_id bigint, p_account_id bigint, p_user_id bigint, p_agents jsonb) returns boolean
language plpgsql as $$
declare
    v_before jsonb;
begin
    if not exists (select 1 from meta.accounts where id = p_account_id and project_id = p_project_id and channel = 'whatsapp') then
        return false;
    end if;
    select coalesce(jsonb_agg(jsonb_build_object('user_id', user_id, 'can_take', can_take, 'can_make', can_make) order by user_id), '[]')
    into v_before from calls.account_agents where account_id = p_account_id;
    delete from calls.account_agents where account_id = p_account_id;
    insert into calls.account_agents (account_id, user_id, project_id, can_take, can_make)
    select p_account_id, (a ->> 'user_id')::bigint, p_project_id, (a ->> 'can_take')::boolean, (a ->> 'can_make')::boolean
    from jsonb_array_elements(p_agents) a;
    perform ops.record_command(p_project_id, p_user_id, 'calls.agents.update', 'account', p_account_id::text, v_before, p_agents);
    return true;
end
$$;

-- Asked when a console reads a customer's permission (GET conversations/{id}/call-permission): no webhook says a
-- temporary permission expired or the user revoked it, so a stored permission that is stale — none known yet, last
-- read from Meta (or set by a reply) longer than p_max_age ago, or a temporary one past its expiry and not read
-- since — gets one permission_lookup for the Worker, which writes Meta's truth back. One pending lookup per number and
-- customer (actions_pending_lookup_key): consoles asking again while it is pending queue nothing more. WhatsApp only.
-- Returns whether a lookup is pending for the pair.
create or replace function calls.refresh_permission_if_stale(p_conversation_id bigint, p_max_age interval,
                                                             p_now timestamptz default now())
returns boolean
language plpgsql as $$
declare
    v chat.conversations;
    p calls.permissions;
begin
    select * into v from chat.conversations where id = p_conversation_id;
    if not found or v.channel <> 'whatsapp' then return false; end if;
    select * into p from calls.permissions where account_id = v.account_id and contact_id = v.contact_id;
    if p.account_id is null
       or coalesce(p.looked_up_at, p.updated_at) < p_now - p_max_age
       or (p.status = 'temporary' and p.expires_at <= p_now and (p.looked_up_at is null or p.looked_up_at < p.expires_at)) then
        insert into calls.actions (project_id, account_id, contact_id, kind)
        values (v.project_id, v.account_id, v.contact_id, 'permission_lookup')
        on conflict (account_id, contact_id) where kind = 'permission_lookup' and state = 'pending' do nothing;
    end if;
    return exists (select 1 from calls.actions a where a.account_id = v.account_id and a.contact_id = v.contact_id
                                                  and a.kind = 'permission_lookup' and a.state = 'pending');
end
$$;
