-- A campaign's cost and duration before it is sent, its live rate, the installation's price table, the Worker's
-- periodic read of each number's limits from the Graph API, and one-to-one initiations counted into the portfolio's
-- messaging limit (issue 13).

-- The campaign's recipients still to send or sent, grouped by the first digits of their number (enough to find the
-- country calling code: they are prefix-free and at most 3 digits; the Core API maps them to markets with
-- libphonenumber) and by whether a service window with the number is open now (in window: a utility template is free,
-- and the recipient does not count against the portfolio's messaging limit).
create or replace function mass.estimate_groups(p_campaign_id bigint)
returns table (prefix text, recipients bigint, in_window bigint)
language sql stable as $$
    select left(r.wa_id, 3), count(*),
           count(*) filter (where chat.window_expires_at(cv.channel, cv.last_inbound_at, cv.window_closed_at, p.human_agent_tag) > now())
    from mass.recipients r
    join mass.campaigns c on c.id = r.campaign_id
    join core.projects p on p.id = c.project_id
    left join chat.contacts ct on ct.project_id = c.project_id and ct.channel = 'whatsapp' and ct.external_id = r.wa_id
    left join chat.conversations cv on cv.account_id = c.account_id and cv.contact_id = ct.id
    where r.campaign_id = p_campaign_id and r.status not in ('excluded', 'skipped', 'failed') and r.wa_id is not null
    group by 1
$$;

-- Per minute since p_since: messages sent in that minute and, of those, how many were delivered and read by now;
-- failures by the minute they failed in. Two index range scans over the recent minutes, not the whole campaign.
create or replace function mass.campaign_rate(p_campaign_id bigint, p_since timestamptz)
returns table (minute timestamptz, sent bigint, delivered bigint, read bigint, failed bigint)
language sql stable as $$
    select m, sum(s)::bigint, sum(d)::bigint, sum(rd)::bigint, sum(f)::bigint
    from (select date_trunc('minute', sent_at) as m, 1 as s, (delivered_at is not null)::int as d, (read_at is not null)::int as rd, 0 as f
          from mass.recipients where campaign_id = p_campaign_id and sent_at >= p_since
          union all
          select date_trunc('minute', failed_at), 0, 0, 0, 1
          from mass.recipients where campaign_id = p_campaign_id and failed_at >= p_since) x
    group by m order by m
$$;

-- Replaces the price table with p_rows ([{market, category, currency, price, effectiveFrom}], checked by the caller);
-- the table before and after are in the command log.
create or replace function mass.replace_message_prices(p_rows jsonb) returns int
language plpgsql as $$
declare
    v_before jsonb := (select coalesce(jsonb_agg(to_jsonb(p) - 'updated_at' order by p.market, p.category), '[]') from mass.message_prices p);
    v_count int;
begin
    delete from mass.message_prices;
    insert into mass.message_prices (market, category, currency, price, effective_from)
    select r ->> 'market', r ->> 'category', r ->> 'currency', (r ->> 'price')::numeric, (r ->> 'effectiveFrom')::date
    from jsonb_array_elements(p_rows) r;
    get diagnostics v_count = row_count;
    perform ops.record_command(null, null, 'prices.replace', 'message_prices', null, jsonb_build_object('prices', v_before),
        jsonb_build_object('prices', (select coalesce(jsonb_agg(to_jsonb(p) - 'updated_at' order by p.market, p.category), '[]')
                                      from mass.message_prices p)));
    return v_count;
end
$$;

-- The Worker's timer: active, valid WhatsApp numbers whose limits were last read more than p_interval_seconds ago
-- (or never), marked as read now so that another Worker does not read them in the same interval. A failed read waits
-- for the next interval; the webhooks (phone_number_quality_update, business_capability_update) keep them current
-- in between.
create or replace function meta.claim_limit_checks(p_interval_seconds int, p_limit int)
returns table (account_id bigint, project_id bigint, external_id text, access_token_enc bytea)
language sql as $$
    update meta.accounts a set limits_checked_at = now()
    where a.id in (select x.id from meta.accounts x
                   where x.channel = 'whatsapp' and x.status = 'active' and x.validation_status = 'valid'
                     and x.access_token_enc is not null
                     and coalesce(x.limits_checked_at, '-infinity') < now() - make_interval(secs => p_interval_seconds)
                   order by x.limits_checked_at nulls first, x.id
                   -- NO KEY: only limits_checked_at changes. FOR UPDATE also conflicts with the FOR KEY SHARE every
                   -- ingestion batch takes on its accounts, so busy numbers were skipped batch after batch.
                   for no key update skip locked
                   limit p_limit)
    returning a.id, a.project_id, a.external_id, a.access_token_enc
$$;

-- What the Graph API says of a number now: its quality rating, its portfolio's messaging limit and its throughput
-- level. A change is kept and, when it can move the number's health (quality, limit), snapshotted at once (which
-- pauses its campaigns if it became critical). Returns whether anything changed.
create or replace function meta.record_account_limits(p_account_id bigint, p_quality_rating text, p_messaging_limit text,
                                                      p_throughput_level text) returns boolean
language plpgsql as $$
declare
    v_before meta.accounts;
    v_after meta.accounts;
begin
    -- NO KEY: only non-key columns change; FOR UPDATE would queue behind (and block) ingestion's foreign-key checks
    -- on the account, as the number-health snapshot's did (bench/RESULTS.md, Soak, issue 19).
    select * into v_before from meta.accounts where id = p_account_id and status = 'active' for no key update;
    if v_before.id is null then return false; end if;
    update meta.accounts
    set quality_rating = coalesce(upper(p_quality_rating), quality_rating),
        messaging_limit = coalesce(upper(p_messaging_limit), messaging_limit),
        throughput_level = coalesce(upper(p_throughput_level), throughput_level),
        -- HIGH is Meta's upgraded level (up to 1,000 messages per second); a number of the Business app stays at 20.
        messages_per_second = case when upper(p_throughput_level) = 'HIGH' and coalesce(messages_per_second, 80) < 1000 then 1000
                                   else messages_per_second end,
        updated_at = now()
    where id = p_account_id
    returning * into v_after;
    if v_after.quality_rating is not distinct from v_before.quality_rating and v_after.messaging_limit is not distinct from v_before.messaging_limit
       and v_after.throughput_level is not distinct from v_before.throughput_level then
        return false;
    end if;
    perform ops.emit_change(v_after.project_id, 'account_changed', null, null,
        jsonb_build_object('accountId', p_account_id, 'qualityRating', v_after.quality_rating, 'messagingLimit', v_after.messaging_limit,
                           'throughputLevel', v_after.throughput_level));
    perform ops.snapshot_number_health(p_account_id, 'graph_limits');
    return true;
end
$$;

-- A one-to-one template sent outside a service window reaches a recipient who counts against the portfolio's
-- messaging limit, exactly as a campaign's does (mass.start_recipient_send): called when Meta accepts the send
-- (ops.complete_outbox), so the budget campaigns plan with includes the agents' initiations.
create or replace function mass.count_initiation(p_message_id bigint) returns void
language plpgsql as $$
declare
    m record;
    v record;
begin
    -- The outbox completes every send here: a text reply leaves after one primary-key read.
    select x.type, x.account_id, x.conversation_id into m from chat.messages x where x.id = p_message_id;
    if m.type is distinct from 'template' then return; end if;
    select a.channel, mass.portfolio_of(a) as portfolio, ct.external_id as wa_id, w.is_open into v
    from meta.accounts a
    join chat.conversations cv on cv.id = m.conversation_id
    join chat.contacts ct on ct.id = cv.contact_id
    cross join lateral chat.window_state(cv.id, now()) w
    where a.id = m.account_id;
    if v.channel is distinct from 'whatsapp' or coalesce(v.is_open, false) then return; end if;
    insert into mass.limit_recipients (portfolio, wa_id, last_at) values (v.portfolio, v.wa_id, now())
    on conflict (portfolio, wa_id) do update set last_at = excluded.last_at;
end
$$;
