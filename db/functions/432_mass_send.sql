-- The Worker's side of campaigns: which campaigns to work, recipients claimed in leased batches (FOR UPDATE SKIP
-- LOCKED, so several Workers share a campaign), one send per recipient, and what Meta's answers and statuses do.
-- Every function that finishes a recipient checks the lease is still the caller's, as the outbox's do
-- (200_ops_outbox.sql): a Worker whose lease was taken over cannot overwrite what the new owner did.

-- A messaging-limit tier as a number of unique recipients per moving 24 h; null: unlimited (or unknown).
create or replace function mass.tier_limit(p_tier text) returns int
language sql immutable as $$
    select case upper(coalesce(p_tier, ''))
        when 'TIER_50' then 50 when 'TIER_250' then 250 when 'TIER_1K' then 1000 when 'TIER_2K' then 2000
        when 'TIER_10K' then 10000 when 'TIER_100K' then 100000
        else case when p_tier ~ '^[0-9]{1,9}$' then p_tier::int end end
$$;

-- The business portfolio whose messaging limit a number shares: its business id, else its WABA.
create or replace function mass.portfolio_of(p_account meta.accounts) returns text
language sql immutable as $$
    select coalesce(p_account.business_id, 'waba:' || p_account.waba_id)
$$;

-- The portfolio's limit and what of it is left in the moving 24 h (null: no limit known).
-- p_exact false (the planner, several times a second): an unlimited portfolio's use is not counted (used is null), and a
-- limited one's only up to its limit, which is all "remaining" needs. Counted in full, every plan of a 1,000,000-recipient
-- campaign on an unlimited number read a million rows.
drop function if exists mass.portfolio_budget(bigint);
create or replace function mass.portfolio_budget(p_account_id bigint, p_exact boolean default true, out portfolio text,
                                                 out tier_limit int, out used int, out remaining int)
language plpgsql stable as $$
declare
    v_account meta.accounts;
begin
    select * into v_account from meta.accounts where id = p_account_id;
    portfolio := mass.portfolio_of(v_account);
    select max(mass.tier_limit(a.messaging_limit)) into tier_limit
    from meta.accounts a where a.channel = 'whatsapp' and mass.portfolio_of(a) = portfolio;
    if p_exact or tier_limit is not null then
        select count(*)::int into used
        from (select 1 from mass.limit_recipients l
              where l.portfolio = portfolio_budget.portfolio and l.last_at > now() - interval '24 hours'
              limit case when p_exact then null else tier_limit end) x;
    end if;
    remaining := case when tier_limit is null then null else greatest(tier_limit - used, 0) end;
end
$$;

-- Pauses a number's running campaigns (or every campaign on the WABA, for account-wide signals) by itself, with the
-- reason; resuming needs a supervisor to acknowledge it (mass.transition_campaign 'resume'). The caller's
-- transaction is the signal's: the campaigns are paused when the webhook or answer that carried it commits, and the
-- Worker checks the status before every send (mass.start_recipient_send). p_template_id: only campaigns sending it.
create or replace function mass.auto_stop(p_account_ids bigint[], p_template_id bigint, p_code text, p_reason text) returns int
language plpgsql as $$
declare
    v_count int;
begin
    with stopped as (
        update mass.campaigns c
        set status = 'paused', paused_at = now(), paused_by = null, stop_code = p_code, stop_reason = left(p_reason, 500),
            needs_ack = true, acknowledged_by = null, acknowledged_at = null, updated_at = now()
        where c.account_id = any(p_account_ids) and c.status in ('scheduled', 'sending')
          and (p_template_id is null or c.template_id = p_template_id
               or exists (select 1 from mass.recipients r where r.campaign_id = c.id and r.template_id = p_template_id limit 1))
        returning c.id, c.project_id
    )
    select count(*)::int, count(ops.emit_change(s.project_id, 'campaign_changed', null, null,
                                                 jsonb_build_object('campaignId', s.id, 'status', 'paused', 'stopCode', p_code)))
    into v_count from stopped s;
    if v_count > 0 then perform pg_notify('mass', 'stop'); end if;
    return v_count;
end
$$;

-- The campaigns to work now. Starts scheduled ones that are due, completes sending ones with nothing left to send,
-- and for each sending one returns what the loop needs: the number, its throughput, the rate, the daily cap left
-- (per calendar day in the project's time zone) and the portfolio's messaging budget left.
create or replace function mass.active_campaigns()
returns table (campaign_id bigint, project_id bigint, account_id bigint, account_external_id text, access_token_enc bytea,
               throughput double precision, rate_per_second double precision, daily_left int, budget_left int,
               sends_paused boolean, has_window boolean)
language plpgsql as $$
declare
    v_n int;
begin
    with started as (
        update mass.campaigns c set status = 'sending', started_at = coalesce(c.started_at, now()), updated_at = now()
        where c.status = 'scheduled' and c.scheduled_at <= now()
        returning c.id, c.project_id
    )
    select count(ops.emit_change(s.project_id, 'campaign_changed', null, null,
                                 jsonb_build_object('campaignId', s.id, 'status', 'sending'))) into v_n from started s;
    with done as (
        update mass.campaigns c set status = 'completed', completed_at = now(), planner_note = null, updated_at = now()
        where c.status = 'sending'
          and not exists (select 1 from mass.recipients r where r.campaign_id = c.id and r.status in ('pending', 'sending'))
        returning c.id, c.project_id
    )
    select count(ops.emit_change(d.project_id, 'campaign_changed', null, null,
                                 jsonb_build_object('campaignId', d.id, 'status', 'completed'))) into v_n from done d;

    return query
    select c.id, c.project_id, a.id, a.external_id, a.access_token_enc, mass.account_throughput(a)::double precision,
           c.rate_per_second::double precision,
           -- Both counted only as far as the cap or limit: the planner asks five times a second.
           case when c.daily_cap is null then null else c.daily_cap - (
               select count(*) from (select 1 from mass.recipients r
                                     where r.campaign_id = c.id
                                       and r.send_started_at >= date_trunc('day', now() at time zone p.time_zone) at time zone p.time_zone
                                     limit c.daily_cap) x
           )::int end,
           (select b.remaining from mass.portfolio_budget(a.id, false) b),
           a.sends_paused_at is not null, c.window_start is not null
    from mass.campaigns c
    join meta.accounts a on a.id = c.account_id
    join core.projects p on p.id = c.project_id
    where c.status = 'sending'
    order by c.id;
end
$$;

-- The loop's own words on why a campaign is not going faster, shown by the console ("portfolio limit reached: 0 of
-- 250 left in the moving 24 h"); written only when it changes.
create or replace function mass.set_planner_note(p_campaign_id bigint, p_note text) returns void
language sql as $$
    update mass.campaigns set planner_note = p_note where id = p_campaign_id and planner_note is distinct from p_note
$$;

-- Whether it is within the campaign's send window in the recipient's local time (a window may wrap midnight).
create or replace function mass.in_window(p_start time, p_end time, p_time_zone text, p_default_zone text) returns boolean
language sql stable as $$
    select p_start is null or (
        with t as (select (now() at time zone coalesce(p_time_zone, p_default_zone))::time as local)
        select case when p_start <= p_end then local >= p_start and local < p_end else local >= p_start or local < p_end end from t)
$$;

-- Claims up to p_limit due recipients of one campaign: never claimed or lease expired, in the send window, oldest
-- first. in_doubt: a previous holder started the send and never recorded its outcome.
create or replace function mass.claim_recipients(p_worker text, p_campaign_id bigint, p_limit int, p_lease_seconds int)
returns table (recipient_id bigint, attempt_count int, wa_id text, message_id bigint, in_doubt boolean, in_doubt_age_ms bigint)
language sql as $$
    -- As ops.claim_outbox: the claim's commit does not wait for the disk; mass.start_recipient_send, which checks the
    -- lease before every send, commits synchronously.
    select set_config('synchronous_commit', 'off', true);
    with c as (select c.*, p.time_zone as project_zone from mass.campaigns c join core.projects p on p.id = c.project_id
               where c.id = p_campaign_id and c.status = 'sending'),
    claimed as (
        update mass.recipients r
        set locked_by = p_worker, locked_until = now() + make_interval(secs => p_lease_seconds), attempt_count = r.attempt_count + 1
        where r.id in (
            select x.id from mass.recipients x, c
            where x.campaign_id = p_campaign_id and x.status in ('pending', 'sending') and x.next_attempt_at <= now()
              and (x.locked_until is null or x.locked_until < now())
              and mass.in_window(c.window_start, c.window_end, x.time_zone, c.project_zone)
            order by x.next_attempt_at, x.id
            for update of x skip locked
            limit p_limit)
        returning r.id, r.attempt_count, r.wa_id, r.message_id, r.send_started_at
    )
    select id, attempt_count, wa_id, message_id, send_started_at is not null,
           (extract(epoch from now() - send_started_at) * 1000)::bigint
    from claimed order by id
$$;

-- How many due recipients wait outside the send window right now (the planner says so instead of looking idle).
create or replace function mass.waiting_outside_window(p_campaign_id bigint) returns boolean
language sql stable as $$
    select exists (select 1 from mass.recipients x join mass.campaigns c on c.id = x.campaign_id join core.projects p on p.id = c.project_id
                   where x.campaign_id = p_campaign_id and x.status = 'pending' and x.next_attempt_at <= now()
                     and not mass.in_window(c.window_start, c.window_end, x.time_zone, p.time_zone))
$$;

-- Just before the Graph request, in one transaction: checks the lease is ours, the campaign is still sending and
-- the number may send (not paused by Meta's token refusal, not critical, not restricted); re-reads the customer's
-- consent (a STOP since the upload skips them); finds or creates the contact and conversation exactly as ingestion
-- keys them (so the reply lands there, routed like any new conversation); writes the message the thread shows
-- (or reuses the one an earlier attempt made and never sent); counts the recipient against the portfolio's
-- messaging limit when no service window is open; and marks the send started.
-- outcome: send (go on: message_id, payload = Meta's template object), lost_lease, campaign_not_sending,
-- number_not_sending (the campaign has just been paused by it), skipped (opted out), failed (a variable is missing).
create or replace function mass.start_recipient_send(p_recipient_id bigint, p_worker text,
                                                     out outcome text, out message_id bigint, out payload jsonb)
language plpgsql as $$
declare
    r mass.recipients;
    c mass.campaigns;
    a meta.accounts;
    t meta.templates;
    v_contact_id bigint;
    v_conversation_id bigint;
    v_consent record;
    v_rendered record;
    v_window record;
begin
    perform ops.quiet_changes(); -- a campaign's messages wake no reader: they are read by the next poll (ops.emit_change)
    select * into r from mass.recipients x
    where x.id = p_recipient_id and x.locked_by = p_worker and x.locked_until > now() and x.status in ('pending', 'sending')
    for update;
    if r.id is null then outcome := 'lost_lease'; return; end if;
    select * into c from mass.campaigns where id = r.campaign_id;
    if c.status <> 'sending' then outcome := 'campaign_not_sending'; return; end if;
    select * into a from meta.accounts where id = c.account_id;
    if a.health_level = 'critical' or (a.restriction is not null and coalesce(a.restriction_until, 'infinity') > now()) then
        perform mass.auto_stop(array[a.id], null, 'number_health_critical',
                               coalesce('Restricted by Meta: ' || a.restriction, 'The number''s health is critical'));
        outcome := 'number_not_sending'; return;
    end if;
    if a.sends_paused_at is not null then outcome := 'number_not_sending'; return; end if;
    select * into t from meta.templates where id = coalesce(r.template_id, c.template_id);
    if t.status <> 'APPROVED' then
        perform mass.auto_stop(array[a.id], t.id, 'template_' || lower(t.status), 'Template ' || t.name || ' (' || t.language || ') is ' || t.status);
        outcome := 'campaign_not_sending'; return;
    end if;

    v_contact_id := coalesce(r.contact_id, (select x.id from chat.contacts x where x.project_id = c.project_id and x.channel = 'whatsapp'
                                                                                and x.external_id = r.wa_id));
    if v_contact_id is not null then
        select * into v_consent from chat.consent_state(v_contact_id, a.id);
        if v_consent.opted_out or (t.category = 'MARKETING' and v_consent.marketing_opted_out) then
            update mass.recipients set status = 'skipped', reason = 'opted_out', locked_by = null, locked_until = null
            where id = r.id;
            outcome := 'skipped'; return;
        end if;
    else
        insert into chat.contacts (project_id, channel, external_id, phone, display_name)
        values (c.project_id, 'whatsapp', r.wa_id, r.wa_id, r.name)
        on conflict (project_id, channel, external_id) do nothing
        returning id into v_contact_id;
        if v_contact_id is null then
            select x.id into v_contact_id from chat.contacts x where x.project_id = c.project_id and x.channel = 'whatsapp' and x.external_id = r.wa_id;
        end if;
    end if;

    select * into v_rendered from meta.render_template(t.id, r.variables);
    if v_rendered.missing is not null then
        update mass.recipients set status = 'failed', reason = 'missing_variable:' || v_rendered.missing, failed_at = now(),
                                   locked_by = null, locked_until = null
        where id = r.id;
        outcome := 'failed'; return;
    end if;

    select cv.id into v_conversation_id from chat.conversations cv where cv.account_id = a.id and cv.contact_id = v_contact_id;
    if v_conversation_id is null then
        insert into chat.conversations as cv (project_id, account_id, contact_id, channel)
        values (c.project_id, a.id, v_contact_id, 'whatsapp')
        on conflict (account_id, contact_id) do nothing
        returning cv.id into v_conversation_id;
        if v_conversation_id is null then
            select cv.id into v_conversation_id from chat.conversations cv where cv.account_id = a.id and cv.contact_id = v_contact_id;
        end if;
    end if;
    -- A conversation the campaign opens is not routed: it joins a queue, and reaches an agent, when the customer
    -- replies (chat.ingest_staged_messages routes it then). Routed here, every recipient of a 100,000-recipient
    -- campaign would be an open conversation waiting in a queue, auto-assigned to agents, before anyone wrote back.

    -- An earlier attempt's message that never reached Meta (its send was retried as certainly not sent) is reused.
    select m.id into message_id from chat.messages m
    where m.id = r.message_id and m.provider_message_id is null and m.status = 'queued';
    if message_id is null then
        r.send_count := r.send_count + 1;
        insert into chat.messages (project_id, conversation_id, account_id, direction, type, body, status, status_rank,
                                   occurred_at, client_message_id, payload)
        values (c.project_id, v_conversation_id, a.id, 'out', 'template', v_rendered.body, 'queued', chat.status_rank('queued'), now(),
                'mass:' || r.id || ':' || r.send_count,
                jsonb_build_object('template', v_rendered.payload, 'template_id', t.id, 'campaign_id', c.id))
        returning id into message_id;
        -- The inbox lists conversations with a latest message. One the campaign opened (no queue, nobody assigned, the
        -- customer never wrote) stays out of every agent's list until the customer replies: that reply becomes its
        -- latest message and routes it (chat.ingest_staged_messages). Listed here, a 100,000-recipient campaign would
        -- put 100,000 conversations at the top of every console's list, and every send would reload each of them.
        update chat.conversations
        set last_message_id = message_id, last_message_at = now(), last_message_direction = 'out', last_message_type = 'template',
            last_message_preview = left(coalesce(nullif(v_rendered.body, ''), '[template]'), 280)
        where id = v_conversation_id
          and (queue_id is not null or assigned_user_id is not null or last_inbound_at is not null);
        perform ops.emit_change(c.project_id, 'message_created', v_conversation_id, message_id);
    end if;

    select * into v_window from chat.window_state(v_conversation_id, now());
    if not coalesce(v_window.is_open, false) then
        insert into mass.limit_recipients (portfolio, wa_id, last_at) values (mass.portfolio_of(a), r.wa_id, now())
        on conflict (portfolio, wa_id) do update set last_at = excluded.last_at;
    end if;

    update mass.recipients
    set status = 'sending', send_started_at = now(), message_id = start_recipient_send.message_id,
        conversation_id = v_conversation_id, contact_id = v_contact_id, send_count = r.send_count
    where id = r.id;
    payload := v_rendered.payload;
    outcome := 'send';
end
$$;

-- The recipient's status from what its message became (accepted/held while Meta has not said more).
create or replace function mass.recipient_rank(p_status text) returns int
language sql immutable as $$
    select case p_status when 'excluded' then 100 when 'skipped' then 100 when 'pending' then 0 when 'sending' then 1
                         when 'accepted' then 2 when 'held' then 2 when 'sent' then 3 when 'delivered' then 4 when 'read' then 5
                         when 'failed' then 6 else 0 end
$$;

-- Meta accepted the send: the message takes Meta's id (chat.adopt_provider_id applies any status that came first)
-- and the recipient is accepted, or held when Meta holds it for a quality assessment (template pacing).
create or replace function mass.complete_recipient(p_recipient_id bigint, p_worker text, p_provider_message_id text, p_message_status text)
returns boolean
language plpgsql as $$
declare
    v_message_id bigint;
    m chat.messages;
begin
    perform ops.quiet_changes(); -- as mass.start_recipient_send
    -- The message first, then the recipient: ingestion's order (chat.ingest_staged_statuses adopts an early status by
    -- updating chat.messages and then mass.recipients, batched), so that Meta's "sent", arriving before this answer
    -- is recorded, cannot deadlock with it (recipient-then-message did: bench/RESULTS.md, Soak, issue 19). The lease
    -- is ours, so the recipient's message_id read unlocked here is the one locked below. The message id is read
    -- first, into a variable, so the lock's plan names one partition of chat.messages instead of all of them.
    select x.message_id into v_message_id from mass.recipients x
    where x.id = p_recipient_id and x.locked_by = p_worker and x.status = 'sending';
    perform 1 from chat.messages where id = v_message_id for no key update;
    -- Still ours once the message is locked (a status webhook carrying our callback data may have confirmed this very
    -- send first). Locked, not updated, here: the one update below then is the transaction's only write of the row
    -- (a second update of a row this transaction wrote checks its foreign keys again: the campaign's row, shared by
    -- every send, locked once more per recipient).
    perform 1 from mass.recipients x
    where x.id = p_recipient_id and x.locked_by = p_worker and x.status = 'sending' and x.message_id = v_message_id
    for no key update;
    if not found then
        return exists (select 1 from mass.recipients x where x.id = p_recipient_id and x.provider_message_id = p_provider_message_id);
    end if;
    perform chat.adopt_provider_id(v_message_id, p_provider_message_id);
    select * into m from chat.messages where id = v_message_id;
    update mass.recipients
    set locked_by = null, locked_until = null, last_error = null,
        provider_message_id = p_provider_message_id,
        status = case when m.status in ('delivered', 'read', 'failed', 'sent') then m.status
                      when p_message_status = 'held_for_quality_assessment' then 'held' else 'accepted' end,
        sent_at = case when m.status <> 'failed' then coalesce(sent_at, now()) end,
        delivered_at = case when m.status in ('delivered', 'read') then coalesce(delivered_at, m.status_at) end,
        read_at = case when m.status = 'read' then coalesce(read_at, m.status_at) end,
        error_code = m.error_code, error_title = m.error_title
    where id = p_recipient_id;
    return true;
end
$$;

-- A failure known not to have sent anything (throttled, pair rate, transient): the recipient goes back to pending
-- after p_delay_ms; the message made for it is kept (queued) and reused by the next attempt.
create or replace function mass.retry_recipient(p_recipient_id bigint, p_worker text, p_error text, p_delay_ms int, p_refund boolean)
returns boolean
language sql as $$
    update mass.recipients
    set status = 'pending', locked_by = null, locked_until = null, send_started_at = null, last_error = coalesce(p_error, last_error),
        attempt_count = case when p_refund then greatest(attempt_count - 1, 0) else attempt_count end,
        next_attempt_at = now() + make_interval(secs => p_delay_ms / 1000.0)
    where id = p_recipient_id and locked_by = p_worker and status in ('pending', 'sending')
    returning true
$$;

-- The request's outcome is unknown (timeout, broken connection): released with its send mark kept, so the next
-- holder waits until p_delay_ms for Meta's status to confirm it before deciding (as ops.await_outbox_confirmation).
create or replace function mass.await_recipient_confirmation(p_recipient_id bigint, p_worker text, p_error text, p_delay_ms int,
                                                             p_refund boolean)
returns boolean
language sql as $$
    update mass.recipients
    set locked_by = null, locked_until = null, last_error = coalesce(p_error, last_error),
        attempt_count = case when p_refund then greatest(attempt_count - 1, 0) else attempt_count end,
        next_attempt_at = now() + make_interval(secs => p_delay_ms / 1000.0)
    where id = p_recipient_id and locked_by = p_worker and status = 'sending' and send_started_at is not null
    returning true
$$;

-- A send Meta refused for this recipient: the message fails with Meta's code (its trigger records a 131050 opt-out),
-- and the recipient is failed, skipped (opted out), or rescheduled no earlier than p_reschedule_ms later (131049:
-- Meta's per-user marketing cap; a new message is made then).
create or replace function mass.fail_recipient(p_recipient_id bigint, p_worker text, p_error_code int, p_error_title text,
                                               p_error_details text, p_reason text, p_reschedule_ms int)
returns boolean
language plpgsql as $$
declare
    r mass.recipients;
begin
    -- The message before the recipient, as in mass.complete_recipient (ingestion's order).
    perform 1 from chat.messages
    where id = (select x.message_id from mass.recipients x
                where x.id = p_recipient_id and x.locked_by = p_worker and x.status in ('pending', 'sending'))
    for no key update;
    select * into r from mass.recipients where id = p_recipient_id and locked_by = p_worker and status in ('pending', 'sending') for update;
    if r.id is null then return false; end if;
    if r.message_id is not null then
        update chat.messages
        set status = 'failed', status_rank = chat.status_rank('failed'), status_at = now(),
            error_code = p_error_code, error_title = p_error_title, error_details = p_error_details
        where id = r.message_id and provider_message_id is null;
        perform ops.emit_change(project_id, 'message_status', conversation_id, id) from chat.messages where id = r.message_id;
    end if;
    if p_reschedule_ms is not null then
        update mass.recipients
        set status = 'pending', reason = p_reason, locked_by = null, locked_until = null, send_started_at = null, message_id = null,
            error_code = p_error_code, error_title = p_error_title, last_error = p_reason,
            next_attempt_at = now() + make_interval(secs => p_reschedule_ms / 1000.0)
        where id = r.id;
    else
        update mass.recipients
        set status = case when p_error_code = 131050 then 'skipped' else 'failed' end, reason = p_reason, failed_at = now(),
            locked_by = null, locked_until = null, error_code = p_error_code, error_title = p_error_title, last_error = p_reason
        where id = r.id;
    end if;
    return true;
end
$$;

-- Part of chat.ingest_staged_statuses: statuses of campaign messages move their recipients forward (sent, delivered,
-- read, failed with Meta's code), and failures act: 131049 reschedules the recipient a day later (or drops them, by
-- the campaign's policy), 131050 skips them (the opt-out itself is recorded by the message's trigger), and a code
-- that harms the number (131048 spam rate, 132015 template paused, 132016 template disabled, 368 policy block,
-- 131031 account locked) pauses the campaign at once. Cheap when no campaign ran in the last 30 days.
create or replace function mass.ingest_statuses() returns void
language plpgsql as $$
declare
    v_stops jsonb;
    v_stop jsonb;
    v_pushed bigint;
    v_reopen bigint[];
begin
    if not exists (select 1 from mass.campaigns where started_at > now() - interval '30 days') then return; end if;
    with seen as (
        select m.id as message_id, m.status, m.status_at, m.error_code, m.error_title,
               min(s.occurred_at) filter (where s.status in ('sent', 'delivered', 'read')) as sent_at,
               min(s.occurred_at) filter (where s.status in ('delivered', 'read')) as delivered_at,
               min(s.occurred_at) filter (where s.status = 'read') as read_at
        from stg_new_statuses s
        join chat.messages m on m.account_id = s.account_id and m.provider_message_id = s.provider_message_id
        where s.provider_message_id is not null and m.direction = 'out' and m.type = 'template'
        group by m.id
    ), moved as (
        update mass.recipients r
        set status = case when x.status = 'failed' and x.error_code = 131049 and c.marketing_limit_policy = 'reschedule' then 'pending'
                          when x.status = 'failed' and x.error_code = 131050 then 'skipped'
                          when mass.recipient_rank(x.status) > mass.recipient_rank(r.status) then x.status else r.status end,
            reason = case when x.status = 'failed' and x.error_code = 131049 then 'marketing_limit'
                          when x.status = 'failed' and x.error_code = 131050 then 'opted_out' else r.reason end,
            -- Rescheduled: a new message is made a day later (the failed one stays in the thread as it was).
            message_id = case when x.status = 'failed' and x.error_code = 131049 and c.marketing_limit_policy = 'reschedule'
                              then null else r.message_id end,
            send_started_at = case when x.status = 'failed' and x.error_code = 131049 and c.marketing_limit_policy = 'reschedule'
                                   then null else r.send_started_at end,
            next_attempt_at = case when x.status = 'failed' and x.error_code = 131049 then now() + interval '24 hours'
                                   else r.next_attempt_at end,
            sent_at = coalesce(r.sent_at, x.sent_at), delivered_at = coalesce(r.delivered_at, x.delivered_at),
            read_at = coalesce(r.read_at, x.read_at),
            failed_at = case when x.status = 'failed' then coalesce(r.failed_at, x.status_at) else r.failed_at end,
            error_code = case when x.status = 'failed' then x.error_code else r.error_code end,
            error_title = case when x.status = 'failed' then x.error_title else r.error_title end
        from seen x, mass.campaigns c
        where r.message_id = x.message_id and c.id = r.campaign_id and r.status not in ('excluded', 'skipped')
        returning r.campaign_id, c.account_id, r.template_id, x.status, x.error_code, x.error_title,
                  (x.status = 'failed' and x.error_code = 131049 and c.marketing_limit_policy = 'reschedule') as rescheduled
    ), progressed as (
        -- The consoles showing a campaign re-read its counts: at most one push a second per campaign, so a campaign's
        -- thousands of statuses a minute are not thousands of change-feed rows.
        update mass.campaigns c set progress_pushed_at = now()
        from (select distinct campaign_id from moved) t
        where c.id = t.campaign_id and coalesce(c.progress_pushed_at, '-infinity') < now() - interval '1 second'
        returning c.id, c.project_id
    )
    select (select jsonb_agg(distinct jsonb_build_object(
                'account', account_id, 'template', case when error_code in (132015, 132016) then template_id end,
                'code', error_code, 'title', error_title))
            from moved where status = 'failed' and error_code in (131048, 132015, 132016, 368, 131031)),
           (select count(ops.emit_change(p.project_id, 'campaign_changed', null, null,
                                         jsonb_build_object('campaignId', p.id, 'progress', true))) from progressed p),
           (select array_agg(distinct campaign_id) from moved where rescheduled)
    into v_stops, v_pushed, v_reopen;

    -- A campaign completes once every recipient was accepted by Meta, but a marketing-limit failure (131049) can
    -- arrive after that: its recipient is pending again, a day later, so the campaign is sending again until then
    -- (left completed, that recipient would never be sent).
    if v_reopen is not null then
        with reopened as (
            update mass.campaigns c set status = 'sending', completed_at = null, updated_at = now()
            where c.id = any(v_reopen) and c.status = 'completed'
            returning c.id, c.project_id
        )
        select count(ops.emit_change(o.project_id, 'campaign_changed', null, null,
                                     jsonb_build_object('campaignId', o.id, 'status', 'sending'))) into v_pushed from reopened o;
    end if;

    for v_stop in select value from jsonb_array_elements(coalesce(v_stops, '[]')) loop
        perform mass.auto_stop(array[(v_stop ->> 'account')::bigint], (v_stop ->> 'template')::bigint, 'meta_' || (v_stop ->> 'code'),
                               'Meta ' || (v_stop ->> 'code') || ': ' || coalesce(v_stop ->> 'title', ''));
    end loop;
end
$$;

-- Part of chat.ingest_staged_messages: a customer's message within 72 h of a campaign message counts as its reply.
-- Meta's timestamps are whole seconds while sent_at is ours to the microsecond: a reply in the same second as the
-- send reads as earlier than it, so the send's second is what the reply is compared with.
create or replace function mass.attribute_replies() returns void
language plpgsql as $$
begin
    update mass.recipients r set replied_at = n.occurred_at
    from (select conversation_id, min(occurred_at) as occurred_at from stg_new_messages where direction = 'in' group by 1) n
    where r.conversation_id = n.conversation_id and r.replied_at is null and r.sent_at is not null
      and n.occurred_at >= date_trunc('second', r.sent_at) and n.occurred_at < r.sent_at + interval '72 hours';
end
$$;

-- Meta refused a campaign send with a code that harms the number (131048 spam rate, 132015/132016 template paused or
-- disabled, 368 policy block, 131031 account locked): nothing was sent, so the recipient goes back to pending
-- (unspent: it is sent when the campaign resumes); the refusal counts against the number's health; the number's
-- campaigns pause (only those sending the template, for a template's code), and a snapshot is taken now.
create or replace function mass.stop_on_refusal(p_recipient_id bigint, p_worker text, p_code int, p_title text) returns boolean
language plpgsql as $$
declare
    r mass.recipients;
    c mass.campaigns;
begin
    update mass.recipients
    set status = 'pending', locked_by = null, locked_until = null, send_started_at = null, attempt_count = greatest(attempt_count - 1, 0),
        last_error = 'meta_' || p_code || ': ' || coalesce(p_title, '')
    where id = p_recipient_id and locked_by = p_worker and status in ('pending', 'sending')
    returning * into r;
    if r.id is null then return false; end if;
    select * into c from mass.campaigns where id = r.campaign_id;
    perform ops.count_number_failure(c.account_id, p_code);
    perform mass.auto_stop(array[c.account_id], case when p_code in (132015, 132016) then coalesce(r.template_id, c.template_id) end,
                           'meta_' || p_code, 'Meta ' || p_code || ': ' || coalesce(p_title, ''));
    perform ops.snapshot_number_health(c.account_id, 'meta_' || p_code);
    return true;
end
$$;
