-- Number health: a score 0–100 per WhatsApp number with a level (healthy, at risk, critical) and its breakdown,
-- computed from aggregates kept as events arrive (ops.number_health_counters / _failures, never a scan of messages)
-- and from what Meta says of the number, its templates and its account. A snapshot is taken every few minutes by the
-- Worker and at once on every signal that can change the level (a quality, account or template webhook, a failure
-- that harms the number). Reaching critical pauses the number's campaigns (mass.auto_stop) in the same transaction.

-- Part of chat.ingest_staged_statuses: counts this batch's new statuses (each status of a message is stored once in
-- the history, so each counts once, whatever the order or repetition of webhooks) per number and hour received: a
-- status Meta retried for days counts when it arrives, so the last 24 h are what the platform learned in them.
create or replace function ops.count_number_health() returns void
language plpgsql as $$
begin
    insert into ops.number_health_counters as h (account_id, hour, sent, delivered, read, failed)
    select s.account_id, date_trunc('hour', now()),
           count(*) filter (where s.status = 'sent'), count(*) filter (where s.status = 'delivered'),
           count(*) filter (where s.status = 'read'), count(*) filter (where s.status = 'failed')
    from stg_new_statuses s join meta.accounts a on a.id = s.account_id and a.channel = 'whatsapp'
    where s.provider_message_id is not null and s.status in ('sent', 'delivered', 'read', 'failed')
    group by 1, 2
    order by 1, 2 -- rows locked in account order: batches normalized side by side share these counters
    on conflict (account_id, hour) do update
    set sent = h.sent + excluded.sent, delivered = h.delivered + excluded.delivered, read = h.read + excluded.read,
        failed = h.failed + excluded.failed;

    if exists (select 1 from stg_new_statuses where status = 'failed') then
        insert into ops.number_health_failures as f (account_id, hour, code, n)
        select s.account_id, date_trunc('hour', now()), coalesce(m.error_code, 0), count(*)
        from stg_new_statuses s
        join meta.accounts a on a.id = s.account_id and a.channel = 'whatsapp'
        join chat.messages m on m.account_id = s.account_id and m.provider_message_id = s.provider_message_id
        where s.status = 'failed'
        group by 1, 2, 3
        order by 1, 2, 3
        on conflict (account_id, hour, code) do update set n = f.n + excluded.n;

        -- Meta limiting the number for spam is a signal on its own: the snapshot (and the pause) happen now.
        perform ops.snapshot_number_health(x.account_id, 'meta_131048')
        from (select distinct s.account_id from stg_new_statuses s
              join chat.messages m on m.account_id = s.account_id and m.provider_message_id = s.provider_message_id
              where s.status = 'failed' and m.error_code = 131048) x;
    end if;
end
$$;

-- A refusal Meta answered to a send (no status webhook follows it) counts as a failure of the number too.
create or replace function ops.count_number_failure(p_account_id bigint, p_code int) returns void
language sql as $$
    insert into ops.number_health_counters as h (account_id, hour, failed) values (p_account_id, date_trunc('hour', now()), 1)
    on conflict (account_id, hour) do update set failed = h.failed + 1;
    insert into ops.number_health_failures as f (account_id, hour, code, n) values (p_account_id, date_trunc('hour', now()), coalesce(p_code, 0), 1)
    on conflict (account_id, hour, code) do update set n = f.n + 1;
$$;

-- Opt-outs count against the numbers the customer talks to (the event's own, else every one they have a
-- conversation with): a trigger, so every path that records one (keyword, agent, user_preferences, 131050) counts.
create or replace function ops.on_opt_out() returns trigger
language plpgsql as $$
begin
    insert into ops.number_health_counters as h (account_id, hour, opt_outs)
    select a.id, date_trunc('hour', now()), 1
    from meta.accounts a
    where a.channel = 'whatsapp'
      and (a.id = new.account_id or (new.account_id is null and exists (
               select 1 from chat.conversations cv where cv.contact_id = new.contact_id and cv.account_id = a.id)))
    on conflict (account_id, hour) do update set opt_outs = h.opt_outs + 1;
    return null;
end
$$;

create or replace trigger consent_events_opt_out_health
    after insert on chat.consent_events
    for each row when (new.action = 'opt_out')
    execute function ops.on_opt_out();

-- The score and its breakdown for one number now. Each factor: code (the console translates it), its values, the
-- points it takes off, whether it alone makes the number critical, and an English sentence.
--   meta_quality      Meta's quality rating: YELLOW −25, RED critical
--   account_restricted  account_update restriction or scheduled disable (critical), or the number's status
--   spam_rate         131048 in the last 24 h (critical: Meta is already limiting the number)
--   failure_rate      failed / (sent + failed) in 24 h, from 50 messages: above 5 % costs up to 40; 25 % critical
--   read_rate         read / delivered in 24 h against the number's own 14-day baseline: a fall of more than 20 %
--                     costs half the fall in points (a 38 % fall −19)
--   opt_out_rate      opt-outs / delivered in 24 h, from 50 delivered: above 1 % costs up to 30; 5 % critical
--   template_quality  templates of running campaigns RED or paused −30, disabled −40
--   messaging_limit   the portfolio used above 90 % of its limit in the moving 24 h −10
create or replace function ops.number_health(p_account_id bigint, out score int, out level text, out breakdown jsonb)
language plpgsql stable as $$
declare
    a meta.accounts;
    v_now timestamptz := now();
    cur record;
    base record;
    v_spam int;
    v_factors jsonb := '[]';
    v_critical boolean := false;
    v_penalty numeric;
    v_rate numeric;
    v_base_rate numeric;
    v_fall numeric;
    v_templates record;
    v_budget record;
begin
    select * into a from meta.accounts where id = p_account_id;
    select coalesce(sum(sent), 0) as sent, coalesce(sum(delivered), 0) as delivered, coalesce(sum(read), 0) as read,
           coalesce(sum(failed), 0) as failed, coalesce(sum(opt_outs), 0) as opt_outs
    into cur from ops.number_health_counters where account_id = p_account_id and hour > v_now - interval '24 hours';
    select coalesce(sum(delivered), 0) as delivered, coalesce(sum(read), 0) as read
    into base from ops.number_health_counters
    where account_id = p_account_id and hour <= v_now - interval '24 hours' and hour > v_now - interval '15 days';
    select coalesce(sum(n), 0) into v_spam from ops.number_health_failures
    where account_id = p_account_id and code = 131048 and hour > v_now - interval '24 hours';
    score := 100;

    if upper(coalesce(a.quality_rating, '')) in ('RED', 'LOW') then
        v_critical := true;
        v_factors := v_factors || jsonb_build_object('code', 'meta_quality', 'value', a.quality_rating, 'penalty', 60, 'critical', true,
            'message', 'Meta rates the number''s quality RED');
        score := score - 60;
    elsif upper(coalesce(a.quality_rating, '')) in ('YELLOW', 'MEDIUM') or upper(coalesce(a.last_quality_event, '')) = 'FLAGGED' then
        v_factors := v_factors || jsonb_build_object('code', 'meta_quality', 'value', coalesce(a.quality_rating, a.last_quality_event),
            'penalty', 25, 'critical', false, 'message', 'Meta rates the number''s quality YELLOW (medium)');
        score := score - 25;
    end if;

    if (a.restriction is not null and coalesce(a.restriction_until, 'infinity') > v_now)
       or upper(coalesce(a.status, '')) in ('FLAGGED', 'RESTRICTED', 'BANNED', 'DISABLED') then
        v_critical := true;
        v_factors := v_factors || jsonb_build_object('code', 'account_restricted', 'value', coalesce(a.restriction, a.status),
            'until', a.restriction_until, 'penalty', 80, 'critical', true,
            'message', 'Meta restricted the account: ' || coalesce(a.restriction, a.status));
        score := score - 80;
    end if;

    if v_spam > 0 then
        v_critical := true;
        v_factors := v_factors || jsonb_build_object('code', 'spam_rate', 'value', v_spam, 'penalty', 50, 'critical', true,
            'message', 'Meta refused ' || v_spam || ' message(s) for the spam rate limit (131048) in 24 h');
        score := score - 50;
    end if;

    if cur.sent + cur.failed >= 50 then
        v_rate := cur.failed::numeric / (cur.sent + cur.failed);
        if v_rate > 0.05 then
            v_penalty := least(40, round(v_rate * 160));
            v_critical := v_critical or v_rate >= 0.25;
            v_factors := v_factors || jsonb_build_object('code', 'failure_rate', 'value', round(v_rate * 100, 1),
                'failed', cur.failed, 'sent', cur.sent, 'penalty', v_penalty, 'critical', v_rate >= 0.25,
                'message', round(v_rate * 100, 1) || ' % of messages failed in 24 h');
            score := score - v_penalty;
        end if;
    end if;

    if cur.delivered >= 50 and base.delivered >= 100 then
        v_rate := cur.read::numeric / cur.delivered;
        v_base_rate := base.read::numeric / base.delivered;
        if v_base_rate > 0 then
            v_fall := 1 - v_rate / v_base_rate;
            if v_fall > 0.20 then
                v_penalty := least(40, round(v_fall * 50));
                v_factors := v_factors || jsonb_build_object('code', 'read_rate', 'value', round(v_rate * 100, 1),
                    'baseline', round(v_base_rate * 100, 1), 'fall', round(v_fall * 100), 'penalty', v_penalty, 'critical', false,
                    'message', 'read rate fell ' || round(v_fall * 100) || ' % below its 14-day baseline');
                score := score - v_penalty;
            end if;
        end if;
    end if;

    if cur.delivered >= 50 and cur.opt_outs > 0 then
        v_rate := cur.opt_outs::numeric / cur.delivered;
        if v_rate > 0.01 then
            v_penalty := least(30, round(v_rate * 1000));
            v_critical := v_critical or v_rate >= 0.05;
            v_factors := v_factors || jsonb_build_object('code', 'opt_out_rate', 'value', round(v_rate * 100, 1),
                'optOuts', cur.opt_outs, 'penalty', v_penalty, 'critical', v_rate >= 0.05,
                'message', round(v_rate * 100, 1) || ' % of customers reached opted out in 24 h');
            score := score - v_penalty;
        end if;
    end if;

    select count(*) filter (where t.status = 'DISABLED') as disabled,
           count(*) filter (where t.status = 'PAUSED' or t.quality_score = 'RED') as weak,
           string_agg(distinct t.name, ', ') filter (where t.status in ('DISABLED', 'PAUSED') or t.quality_score = 'RED') as names
    into v_templates
    from meta.templates t
    where t.id in (select c.template_id from mass.campaigns c where c.account_id = p_account_id and c.status in ('scheduled', 'sending', 'paused')
                   union select r.template_id from mass.recipients r join mass.campaigns c on c.id = r.campaign_id
                         where c.account_id = p_account_id and c.status in ('scheduled', 'sending', 'paused') and r.template_id is not null);
    if v_templates.disabled > 0 or v_templates.weak > 0 then
        v_penalty := case when v_templates.disabled > 0 then 40 else 30 end;
        v_factors := v_factors || jsonb_build_object('code', 'template_quality', 'value', v_templates.names, 'penalty', v_penalty,
            'critical', false, 'message', 'templates in use are paused, disabled or rated RED: ' || v_templates.names);
        score := score - v_penalty;
    end if;

    select * into v_budget from mass.portfolio_budget(p_account_id);
    if v_budget.tier_limit is not null and v_budget.used > 0.9 * v_budget.tier_limit then
        v_factors := v_factors || jsonb_build_object('code', 'messaging_limit', 'value', v_budget.used, 'limit', v_budget.tier_limit,
            'penalty', 10, 'critical', false,
            'message', v_budget.used || ' of ' || v_budget.tier_limit || ' unique customers of the portfolio''s limit used in 24 h');
        score := score - 10;
    end if;

    score := greatest(0, least(100, score));
    level := case when v_critical or score < 40 then 'critical' when score < 70 then 'at_risk' else 'healthy' end;
    breakdown := jsonb_build_object('factors', v_factors,
        'window', jsonb_build_object('sent', cur.sent, 'delivered', cur.delivered, 'read', cur.read, 'failed', cur.failed,
                                     'optOuts', cur.opt_outs),
        'baseline', jsonb_build_object('delivered', base.delivered, 'read', base.read),
        'limit', jsonb_build_object('tier', v_budget.tier_limit, 'used', v_budget.used));
end
$$;

-- Takes a snapshot: the history row, the number's current level, a push to the consoles when the level changed, and
-- the campaigns of a number that became critical paused with the first critical reason. Returns the level.
create or replace function ops.snapshot_number_health(p_account_id bigint, p_trigger text) returns text
language plpgsql as $$
declare
    a meta.accounts;
    h record;
    v_reason text;
begin
    -- FOR NO KEY UPDATE, not FOR UPDATE: only health_* columns are written, and FOR UPDATE conflicts with the FOR KEY
    -- SHARE every ingestion batch takes on its accounts through foreign keys (statuses, messages). The periodic pass
    -- (ops.snapshot_due_numbers) holds up to 200 of these locks in one transaction while the batch takes its key
    -- shares in its own order: a deadlock once per hour of the soak (bench/RESULTS.md, Soak, issue 19). Writers of the
    -- same row (another snapshot, a business webhook's update) still queue behind it.
    select * into a from meta.accounts where id = p_account_id and channel = 'whatsapp' for no key update;
    if a.id is null then return null; end if;
    select * into h from ops.number_health(p_account_id);
    insert into ops.number_health_snapshots (project_id, account_id, score, level, breakdown, trigger)
    values (a.project_id, a.id, h.score, h.level, h.breakdown, left(p_trigger, 100));
    update meta.accounts set health_score = h.score, health_level = h.level, health_at = now() where id = a.id;
    if h.level is distinct from a.health_level then
        perform ops.emit_change(a.project_id, 'number_health', null, null,
            jsonb_build_object('accountId', a.id, 'level', h.level, 'previous', a.health_level, 'score', h.score));
    end if;
    if h.level = 'critical' then
        select coalesce(
            (select f ->> 'message' from jsonb_array_elements(h.breakdown -> 'factors') f where (f ->> 'critical')::boolean limit 1),
            'score ' || h.score) into v_reason;
        perform mass.auto_stop(array[a.id], null, 'number_health_critical', 'Number health critical: ' || v_reason);
    end if;
    return h.level;
end
$$;

-- Part of meta.ingest_staged_business: what Meta says of numbers, accounts and templates, applied and acted on in
-- the webhook's own transaction. account_update: a restriction (with its expiration) or a scheduled disable is kept
-- on every number of the WABA, REINSTATE clears it; phone_number_quality_update: THROUGHPUT_UPGRADE raises the
-- number's throughput, a limit in the payload becomes the portfolio's tier; business_capability_update: the
-- portfolio's tier; a template PAUSED or DISABLED pauses the campaigns sending it. Then every number touched gets a
-- snapshot (which pauses its campaigns if it became critical).
create or replace function ops.apply_business_signals() returns void
language plpgsql as $$
declare
    v_accounts bigint[];
    v_account bigint;
    v_stop record;
begin
    -- Account restrictions and disables.
    with ev as (
        select distinct on (b.waba_id) b.waba_id, n.app_id, upper(coalesce(b.event, '')) as event, b.payload::jsonb as p
        from stg_business b join stg_new_events n using (seq)
        where b.kind = 'account' and b.waba_id is not null
          and upper(coalesce(b.event, '')) in ('ACCOUNT_RESTRICTION', 'DISABLED_UPDATE', 'ACCOUNT_VIOLATION', 'ACCOUNT_RECONNECTED')
        order by b.waba_id, b.occurred_at desc nulls last, b.seq desc
    ), applied as (
        update meta.accounts a
        set restriction = case
                when ev.event = 'ACCOUNT_RESTRICTION' then nullif((select string_agg(distinct r ->> 'restriction_type', ',')
                                                                   from jsonb_array_elements(coalesce(ev.p -> 'restriction_info', '[]')) r), '')
                when ev.event = 'DISABLED_UPDATE' then
                    case when coalesce(ev.p -> 'ban_info' ->> 'waba_ban_state', ev.p ->> 'ban_state', '') ~* 'REINSTATE' then null
                         else coalesce((select string_agg(x, ',') from jsonb_array_elements_text(
                                            case when jsonb_typeof(ev.p -> 'ban_info' -> 'waba_ban_state') = 'array'
                                                 then ev.p -> 'ban_info' -> 'waba_ban_state' else '[]' end) x),
                                       ev.p -> 'ban_info' ->> 'waba_ban_state', 'DISABLED') end
                when ev.event = 'ACCOUNT_RECONNECTED' then null
                else a.restriction end,
            restriction_until = case
                when ev.event = 'ACCOUNT_RESTRICTION' then (select max(to_timestamp((r ->> 'expiration')::bigint))
                                                            from jsonb_array_elements(coalesce(ev.p -> 'restriction_info', '[]')) r
                                                            where r ->> 'expiration' ~ '^[0-9]{9,11}$')
                when ev.event = 'ACCOUNT_RECONNECTED' then null
                when ev.event = 'DISABLED_UPDATE' then null
                else a.restriction_until end,
            updated_at = now()
        from ev
        where a.waba_id = ev.waba_id and a.app_id = ev.app_id and ev.event <> 'ACCOUNT_VIOLATION'
        returning a.id
    )
    select array_agg(id) into v_accounts from applied;

    -- Throughput upgrades and limits carried by quality updates; the portfolio's tier from capability updates.
    with q as (
        select b.waba_id, b.display_phone_number, n.app_id, upper(coalesce(b.event, '')) as event, b.payload::jsonb as p
        from stg_business b join stg_new_events n using (seq) where b.kind in ('quality', 'capability')
    ), applied as (
        update meta.accounts a
        set throughput_level = case when q.event = 'THROUGHPUT_UPGRADE' then 'HIGH' else a.throughput_level end,
            messages_per_second = case when q.event = 'THROUGHPUT_UPGRADE' and coalesce(a.messages_per_second, 80) < 1000 then 1000
                                       else a.messages_per_second end,
            messaging_limit = coalesce(q.p ->> 'max_daily_conversations_per_business', q.p ->> 'current_limit', a.messaging_limit),
            updated_at = now()
        from q
        where a.waba_id = q.waba_id and a.app_id = q.app_id
          and (q.display_phone_number is null or a.display_phone_number = q.display_phone_number)
        returning a.id
    )
    select coalesce(v_accounts, '{}') || coalesce(array_agg(id), '{}') into v_accounts from applied;

    -- Templates paused or disabled: their campaigns stop at once; quality changes are read by the snapshot.
    for v_stop in
        select distinct t.id as template_id, t.account_id, upper(b.event) as event, t.name, t.language
        from stg_business b join stg_new_events n using (seq)
        join meta.templates t on t.waba_id = b.waba_id and (t.meta_template_id = b.template_id
                                                             or (t.name = b.template_name and t.language = b.language))
        where b.kind = 'template' and (upper(coalesce(b.event, '')) in ('PAUSED', 'DISABLED')
                                       or (b.field = 'message_template_quality_update' and upper(coalesce(b.reason, '')) = 'RED'))
    loop
        if v_stop.event in ('PAUSED', 'DISABLED') then
            perform mass.auto_stop(array(select id from meta.accounts where waba_id = (select waba_id from meta.templates where id = v_stop.template_id)),
                                   v_stop.template_id, 'template_' || lower(v_stop.event),
                                   'Meta ' || lower(v_stop.event) || ' template ' || v_stop.name || ' (' || v_stop.language || ')');
        end if;
        v_accounts := v_accounts || array(select id from meta.accounts where waba_id = (select waba_id from meta.templates where id = v_stop.template_id));
    end loop;

    -- Quality events (FLAGGED, DOWNGRADE…) on the numbers they name.
    v_accounts := v_accounts || array(
        select a.id from stg_business b join stg_new_events n using (seq)
        join meta.accounts a on a.waba_id = b.waba_id and a.app_id = n.app_id
        where b.kind = 'quality' and (b.display_phone_number is null or a.display_phone_number = b.display_phone_number));

    foreach v_account in array coalesce((select array_agg(distinct x) from unnest(v_accounts) x where x is not null), '{}') loop
        perform ops.snapshot_number_health(v_account, 'webhook');
    end loop;
end
$$;

-- The Worker's periodic pass: every WhatsApp number with recent traffic, a running campaign, or no snapshot for
-- p_stale_seconds gets one.
create or replace function ops.snapshot_due_numbers(p_stale_seconds int) returns int
language plpgsql as $$
declare
    v_account bigint;
    v_count int := 0;
begin
    for v_account in
        select a.id from meta.accounts a
        where a.channel = 'whatsapp' and (a.health_at is null or a.health_at < now() - make_interval(secs => p_stale_seconds))
        order by a.health_at nulls first
        limit 200
    loop
        perform ops.snapshot_number_health(v_account, 'periodic');
        v_count := v_count + 1;
    end loop;
    return v_count;
end
$$;

-- A number's health for the console: the latest snapshot and the history since p_since (newest first).
create or replace function ops.number_health_history(p_account_id bigint, p_since timestamptz, p_limit int)
returns table (taken_at timestamptz, score int, level text, breakdown jsonb, trigger text)
language sql stable as $$
    select taken_at, score, level, breakdown, trigger from ops.number_health_snapshots
    where account_id = p_account_id and taken_at >= p_since
    order by id desc limit p_limit
$$;
