-- Calls (issue 17, docs/calls.md "The Worker's call actions"): the Worker's side of calls.actions, the only way a call
-- reaches Meta's Calling API. Lease-based like ops.outbox (200_ops_outbox.sql): claimed FOR UPDATE SKIP LOCKED, and
-- every function that finishes an action checks the lease is still the caller's, so two Workers never send one action
-- twice. Who writes what on calls.calls (every update below keeps `state <> 'ended'`: an ended call never moves back):
--   the Core API   ends a call a person rejects or hangs up (outcome, ended_by agent) before queueing reject/terminate;
--   the Worker     connects a call Meta accepted, ends one Meta refused (failed, ended_by meta, Meta's code) and,
--                  in the ring-timeout sweep, one nobody answered (missed / failed, ended_by platform);
--   ingestion      ends a call on Meta's terminate webhook when nobody here ended it first.

-- The wake-up: an accept must reach Meta within ~30 s of the connect webhook, so the loop is told at once (the poll
-- is the fallback). Statement-level, as chat.media's 'media' trigger: one NOTIFY per batch, and duplicates within a
-- transaction collapse.
create or replace function calls.notify_actions() returns trigger
language plpgsql as $$
begin
    if exists (select 1 from inserted where state = 'pending') then
        perform pg_notify('call_actions', '');
    end if;
    return null;
end
$$;

create or replace trigger actions_pending_notify after insert on calls.actions
    referencing new table as inserted
    for each statement execute function calls.notify_actions();

-- Claims up to p_limit due actions, leased to p_worker. The actions of one call run in the order they were queued
-- (a terminate never overtakes the connect that gives it the call id; an accept never runs beside its call's
-- terminate), and an account's settings pushes one at a time: an action waits while an older pending one of its
-- call (or account, for settings) exists. A connect or accept whose call has ended is due at once whatever its
-- retry time: it will be skipped, and the terminate queued behind it must not wait for a pointless retry.
-- The pending queue is small (live calls only), so the join and the not-exists cost little.
drop function if exists calls.claim_actions(text, int, int);
create function calls.claim_actions(p_worker text, p_limit int, p_lease_seconds int)
returns table (action_id bigint, kind text, attempt_count int, project_id bigint, account_id bigint, phone_number_id text,
               access_token_enc bytea, call_id bigint, contact_id bigint, contact_wa_id text, sdp text, provider_call_id text,
               call_state text, call_direction text, ringing_at timestamptz, progress jsonb, queued_at timestamptz)
language sql as $$
    with claimed as (
        update calls.actions a
        set locked_by = p_worker, locked_until = now() + make_interval(secs => p_lease_seconds), attempt_count = a.attempt_count + 1
        where a.id in (
            select q.id
            from calls.actions q
            left join calls.calls c on c.id = q.call_id
            where q.state = 'pending' and (q.locked_until is null or q.locked_until < now())
              and (q.next_attempt_at <= now() or (q.kind in ('connect', 'pre_accept', 'accept') and c.state = 'ended'))
              and not exists (
                  select 1 from calls.actions e
                  where e.state = 'pending' and e.id < q.id
                    and (e.call_id = q.call_id or (q.kind = 'settings' and e.kind = 'settings' and e.account_id = q.account_id)))
            order by q.next_attempt_at, q.id
            for update of q skip locked
            limit p_limit)
        returning a.*
    )
    select x.id, x.kind, x.attempt_count, x.project_id, x.account_id, acc.external_id, acc.access_token_enc, x.call_id,
           coalesce(x.contact_id, c.contact_id), ct.external_id, x.sdp, c.provider_call_id, c.state, c.direction, c.ringing_at,
           x.response, x.created_at
    from claimed x
    join meta.accounts acc on acc.id = x.account_id
    left join calls.calls c on c.id = x.call_id
    left join chat.contacts ct on ct.id = coalesce(x.contact_id, c.contact_id)
    order by x.id
$$;

-- Finishes an action (done or failed) and releases its lease; false when the lease is no longer the caller's. Wakes
-- the loop when an action of the same call (or account's settings) was waiting behind this one.
create or replace function calls.finish_action(p_action_id bigint, p_worker text, p_state text, p_error text, p_response jsonb)
returns boolean
language plpgsql as $$
declare
    a calls.actions;
begin
    update calls.actions
    set state = p_state, locked_by = null, locked_until = null, last_error = p_error, response = coalesce(p_response, response),
        done_at = now()
    where id = p_action_id and locked_by = p_worker and state = 'pending'
    returning * into a;
    if not found then return false; end if;
    if exists (select 1 from calls.actions e
               where e.state = 'pending' and e.id > a.id
                 and (e.call_id = a.call_id or (a.kind = 'settings' and e.kind = 'settings' and e.account_id = a.account_id))) then
        perform pg_notify('call_actions', '');
    end if;
    return true;
end
$$;

-- A transient failure: release the lease, try again after p_delay_ms. p_progress keeps what already succeeded (an
-- accept's pre_accept) so the retry does not redo it.
create or replace function calls.retry_action(p_action_id bigint, p_worker text, p_error text, p_delay_ms int, p_progress jsonb)
returns boolean
language sql as $$
    update calls.actions
    set locked_by = null, locked_until = null, last_error = p_error, response = coalesce(p_progress, response),
        next_attempt_at = now() + make_interval(secs => p_delay_ms / 1000.0)
    where id = p_action_id and locked_by = p_worker and state = 'pending'
    returning true
$$;

-- Queues a terminate of a call Meta may still hold while the platform has ended it (an accept or connect Meta took
-- after the call ended here, a refused accept that leaves the customer's phone ringing, a ring timeout). Nothing
-- when Meta never gave the call an id, or a terminate is already waiting.
create or replace function calls.queue_terminate(p_call_id bigint) returns void
language sql as $$
    insert into calls.actions (project_id, account_id, call_id, kind)
    select c.project_id, c.account_id, c.id, 'terminate'
    from calls.calls c
    where c.id = p_call_id and c.provider_call_id is not null
      and not exists (select 1 from calls.actions a where a.call_id = c.id and a.kind = 'terminate' and a.state = 'pending')
$$;

-- Meta took the accept: the call is connected (media may flow: Meta says to start it only after accept's 200 OK).
-- A call that ended here meanwhile stays ended, and Meta's live call is terminated.
create or replace function calls.record_accepted(p_action_id bigint, p_worker text, p_response jsonb) returns boolean
language plpgsql as $$
declare
    v_call_id bigint;
    v_state text;
begin
    select call_id into v_call_id from calls.actions where id = p_action_id and locked_by = p_worker and state = 'pending' for update;
    if not found then return false; end if;
    -- NO KEY: only the state and its times change; FOR UPDATE would also wait for (and block) ingestion's foreign-key
    -- checks on the call (calls.call_events).
    select state into v_state from calls.calls where id = v_call_id for no key update;
    if v_state = 'ended' then
        perform calls.queue_terminate(v_call_id);
    else
        update calls.calls set state = 'connected', connected_at = coalesce(connected_at, now()), updated_at = now()
        where id = v_call_id;
        perform calls.touch(v_call_id);
    end if;
    return calls.finish_action(p_action_id, p_worker, 'done', null, p_response);
end
$$;

-- Meta placed the business's call: its id (the connect webhook, matched by biz_opaque_callback_data, may have
-- brought it first). The call stays 'connecting' until Meta's answer comes in that webhook (ingestion). A call its
-- caller gave up on meanwhile is terminated at Meta.
create or replace function calls.record_connected(p_action_id bigint, p_worker text, p_provider_call_id text, p_response jsonb)
returns boolean
language plpgsql as $$
declare
    v_call_id bigint;
    v_state text;
begin
    select call_id into v_call_id from calls.actions where id = p_action_id and locked_by = p_worker and state = 'pending' for update;
    if not found then return false; end if;
    update calls.calls set provider_call_id = coalesce(provider_call_id, p_provider_call_id), updated_at = now()
    where id = v_call_id
    returning state into v_state;
    if v_state = 'ended' then perform calls.queue_terminate(v_call_id); end if;
    perform calls.touch(v_call_id);
    return calls.finish_action(p_action_id, p_worker, 'done', null, p_response);
end
$$;

-- Meta refused the call's accept or connect (or it could not be reached within the accept window): the call ends
-- failed with Meta's code, title and details, which the thread event and the console show. 138006 (no permission)
-- also records what Meta said of the customer's permission. p_terminate: Meta may still hold the call (a refused
-- accept leaves the customer's phone ringing until the window closes).
create or replace function calls.record_refused(p_action_id bigint, p_worker text, p_ended_by text, p_code int, p_title text,
                                                p_details text, p_error text, p_response jsonb, p_terminate boolean)
returns boolean
language plpgsql as $$
declare
    a calls.actions;
    c calls.calls;
begin
    select * into a from calls.actions where id = p_action_id and locked_by = p_worker and state = 'pending' for update;
    if not found then return false; end if;
    update calls.calls
    set state = 'ended', outcome = 'failed', ended_at = now(), ended_by = p_ended_by, error_code = p_code,
        error_title = p_title, error_details = p_details, updated_at = now()
    where id = a.call_id and state <> 'ended'
    returning * into c;
    if found then perform calls.touch(c.id); end if;
    if p_terminate then perform calls.queue_terminate(a.call_id); end if;
    if a.kind = 'connect' and p_code = 138006 then
        insert into calls.permissions (account_id, contact_id, project_id, status, expires_at, source, updated_at)
        select cl.account_id, cl.contact_id, cl.project_id, 'no_permission', null, 'lookup', now()
        from calls.calls cl where cl.id = a.call_id
        on conflict (account_id, contact_id) do update
        set status = 'no_permission', expires_at = null, source = 'lookup', updated_at = now();
    end if;
    return calls.finish_action(p_action_id, p_worker, 'failed', p_error, p_response);
end
$$;

-- The outcome of a settings push. Only the version pushed is marked: a newer edit made while the push was in flight
-- stays pending (its own action pushes it), so the last edit always wins.
create or replace function calls.record_settings_push(p_action_id bigint, p_worker text, p_version int, p_synced boolean,
                                                      p_error text, p_response jsonb)
returns boolean
language plpgsql as $$
declare
    v_account_id bigint;
begin
    select account_id into v_account_id from calls.actions where id = p_action_id and locked_by = p_worker and state = 'pending' for update;
    if not found then return false; end if;
    update calls.settings
    set sync_state = case when p_synced then 'synced' else 'failed' end,
        sync_error = case when p_synced then null else p_error end,
        synced_at = case when p_synced then now() else synced_at end
    where account_id = v_account_id and version = p_version;
    return calls.finish_action(p_action_id, p_worker, case when p_synced then 'done' else 'failed' end, p_error, p_response);
end
$$;

-- What GET call_permissions said of a customer: Meta's truth (no webhook tells a temporary permission expired or the
-- user revoked it). Limits are kept as Meta gave them.
create or replace function calls.record_permission_lookup(p_action_id bigint, p_worker text, p_status text, p_expires_at timestamptz,
                                                          p_limits jsonb, p_response jsonb)
returns boolean
language plpgsql as $$
declare
    a calls.actions;
begin
    select * into a from calls.actions where id = p_action_id and locked_by = p_worker and state = 'pending' for update;
    if not found then return false; end if;
    insert into calls.permissions (account_id, contact_id, project_id, status, expires_at, source, limits, looked_up_at, updated_at)
    values (a.account_id, a.contact_id, a.project_id, p_status, p_expires_at, 'lookup', p_limits, now(), now())
    on conflict (account_id, contact_id) do update
    set status = excluded.status, expires_at = excluded.expires_at, source = 'lookup', limits = excluded.limits,
        looked_up_at = now(), updated_at = now();
    return calls.finish_action(p_action_id, p_worker, 'done', null, p_response);
end
$$;

-- The ring-timeout sweep: an inbound call still ringing (or accepting, its accept never confirmed) past the ring
-- timeout with no terminate webhook is missed; an outbound call still connecting (Meta never answered or its answer
-- was lost) fails. Both end with ended_by 'platform' and are terminated at Meta. Row locks with SKIP LOCKED and the
-- `state <> 'ended'` recheck let several Workers sweep at once without ending a call twice. p_ring_seconds is longer
-- than Meta's accept window (checked at the Worker's start), so Meta's own terminate normally comes first.
create or replace function calls.sweep_ring_timeouts(p_ring_seconds int, p_limit int) returns int
language plpgsql as $$
declare
    r record;
    v_count int := 0;
begin
    for r in
        select c.id, c.direction, c.state
        from calls.calls c
        where c.state <> 'ended'
          and ((c.direction = 'in' and c.state in ('ringing', 'accepting')) or (c.direction = 'out' and c.state = 'connecting'))
          and c.ringing_at < now() - make_interval(secs => p_ring_seconds)
        order by c.id
        -- NO KEY: only the state and outcome change, and FOR UPDATE would also block ingestion's foreign-key checks
        -- on these calls (calls.call_events) for the whole sweep.
        for no key update skip locked
        limit p_limit
    loop
        update calls.calls
        set state = 'ended', outcome = case when r.direction = 'in' then 'missed' else 'failed' end, ended_at = now(),
            ended_by = 'platform', updated_at = now(),
            error_title = case when r.direction = 'out' then 'Not connected' end,
            error_details = case when r.direction = 'out'
                then format('Meta did not answer the call within %s seconds.', p_ring_seconds) end
        where id = r.id and state <> 'ended';
        perform calls.log_event(r.id, 'platform', 'ring_timeout', jsonb_build_object('state', r.state, 'seconds', p_ring_seconds));
        perform calls.queue_terminate(r.id);
        perform calls.touch(r.id);
        v_count := v_count + 1;
    end loop;
    return v_count;
end
$$;
