-- Part of meta.normalize_staged: status history, status application (forward only), deletions and Messenger
-- watermarks. Returns the statuses inserted into the history.
create or replace function chat.ingest_staged_statuses(p_analyze boolean) returns int
language plpgsql as $$
declare
    inserted int := 0;
    v_pushed int;
begin
    if exists (select 1 from stg_statuses where account_id is not null) then
        -- 1. Status history: every status kept, even before its message exists. Once per (account, Meta's id, status):
        --    the batch claims its keys in one statement, in key order (chat.message_status_keys; migration 0061), and
        --    keeps the first copy of each key it claimed; the per-row trigger other writers go through is skipped.
        perform set_config('mm.keys_claimed', 'on', true);
        with claimed as (
            insert into chat.message_status_keys (account_id, provider_message_id, status)
            select distinct s.account_id, s.provider_message_id, s.status
            from stg_statuses s
            where s.account_id is not null and s.provider_message_id is not null
            order by 1, 2, 3
            on conflict do nothing
            returning account_id, provider_message_id, status
        ), kept as (
            (select distinct on (s.account_id, s.provider_message_id, s.status) s.*
             from stg_statuses s
             join claimed c on c.account_id = s.account_id and c.provider_message_id = s.provider_message_id and c.status = s.status
             order by s.account_id, s.provider_message_id, s.status, s.seq)
            union all
            select s.* from stg_statuses s where s.account_id is not null and s.provider_message_id is null
        ), ins as (
            insert into chat.message_status_events (project_id, account_id, event_id, provider_message_id, status,
                                                    customer_external_id, watermark, occurred_at, error_code, error_title,
                                                    error_details, pricing, conversation, payload)
            select s.project_id, s.account_id, s.event_id, s.provider_message_id, s.status, s.customer_external_id, s.watermark,
                   coalesce(s.occurred_at, s.received_at), s.error_code, s.error_title, s.error_details,
                   s.pricing::jsonb, s.conversation::jsonb, s.payload::jsonb
            from kept s
            order by s.seq
            returning project_id, account_id, provider_message_id, status, customer_external_id, watermark, occurred_at
        )
        insert into stg_new_statuses select * from ins;
        get diagnostics inserted = row_count;
        perform set_config('mm.keys_claimed', 'off', true);
        if p_analyze then analyze stg_new_statuses; end if;
    end if;

    -- 1b. Confirmation of sends whose answer was never recorded (the request timed out, or its Worker died): the
    --     Worker sets WhatsApp's biz_opaque_callback_data to our message id and Meta echoes it in every status. The
    --     message adopts Meta's id (step 2 then applies the best status), its outbox row is completed, and an
    --     in-doubt dead letter is marked resolved. Only an outbound message still without a provider id, sent to the
    --     customer the status names, qualifies; the raw payload is searched before any JSON is read.
    --     Lock order: chat.messages, then ops.outbox and mass.recipients. The Worker's completions and failures of the
    --     same sends (ops.complete_outbox, ops.fail_outbox, mass.complete_recipient, mass.fail_recipient) lock the
    --     message first too: the two sides in opposite orders deadlocked in the soak (bench/RESULTS.md, issue 19).
    if exists (select 1 from stg_statuses where strpos(payload, 'biz_opaque_callback_data') > 0) then
        with candidates as (
            select distinct on (message_id) *
            from (select s.account_id, s.provider_message_id, s.customer_external_id,
                         substring(s.payload from '"biz_opaque_callback_data"\s*:\s*"([0-9]{1,18})"')::bigint as message_id
                  from stg_statuses s
                  where s.account_id is not null and s.provider_message_id is not null
                    and strpos(s.payload, 'biz_opaque_callback_data') > 0) c
            where message_id is not null
            order by message_id
        ), adopted as (
            update chat.messages m
            set provider_message_id = c.provider_message_id, status = 'queued', status_rank = chat.status_rank('queued'),
                error_code = null, error_title = null, error_details = null
            from candidates c
            where m.id = c.message_id and m.account_id = c.account_id and m.direction = 'out'
              and m.provider_message_id is null
              and exists (select 1 from chat.conversations cv join chat.contacts ct on ct.id = cv.contact_id
                          where cv.id = m.conversation_id and ct.external_id = c.customer_external_id)
              and not exists (select 1 from chat.messages o
                              where o.account_id = c.account_id and o.provider_message_id = c.provider_message_id)
            returning m.id, m.provider_message_id
        ), completed as (
            update ops.outbox o set completed_at = now(), locked_until = null, last_error = null
            where o.message_id in (select id from adopted) and o.completed_at is null
        ), campaign_sends as (
            -- A campaign's send confirmed the same way: its recipient is accepted (step 2's statuses then move it on).
            update mass.recipients r
            set status = 'accepted', provider_message_id = a.provider_message_id, locked_by = null, locked_until = null,
                sent_at = coalesce(r.sent_at, now()), last_error = null
            from adopted a
            where r.message_id = a.id and r.status = 'sending'
        )
        update ops.dead_letters d set resolved_at = now(), resolution = 'confirmed_by_status'
        where d.message_id in (select id from adopted) and d.resolved_at is null;
    end if;

    -- 2. Apply statuses by message id: for messages that got a new status and for new messages whose
    --    statuses came first. The best-ranked status in history wins, and only ever moves forward.
    with touched as (
        select account_id, provider_message_id from stg_new_statuses where provider_message_id is not null
        union
        select account_id, provider_message_id from stg_new_messages where provider_message_id is not null
    ), best as (
        select distinct on (h.account_id, h.provider_message_id)
               h.account_id, h.provider_message_id, h.status, chat.status_rank(h.status) as rank, h.occurred_at,
               h.error_code, h.error_title, h.error_details
        from chat.message_status_events h
        join touched t on t.account_id = h.account_id and t.provider_message_id = h.provider_message_id
        where chat.status_rank(h.status) is not null
        order by h.account_id, h.provider_message_id, chat.status_rank(h.status) desc, h.occurred_at desc
    ), applied as (
        update chat.messages m
        set status = b.status, status_rank = b.rank, status_at = b.occurred_at,
            error_code = case when b.status = 'failed' then b.error_code else m.error_code end,
            error_title = case when b.status = 'failed' then b.error_title else m.error_title end,
            error_details = case when b.status = 'failed' then b.error_details else m.error_details end
        from best b
        where m.account_id = b.account_id and m.provider_message_id = b.provider_message_id and b.rank > m.status_rank
        returning m.project_id, m.conversation_id, m.id
    )
    select ops.emit_changes(array_agg(project_id order by id), 'message_status',
                            array_agg(conversation_id order by id), array_agg(id order by id))
    into v_pushed from applied;

    -- Deletions (WhatsApp revoke, Instagram unsend), also when the deletion arrived before the message.
    if exists (select 1 from stg_new_statuses where status = 'deleted') then
        update chat.messages m
        set deleted_at = s.occurred_at
        from stg_new_statuses s
        where s.status = 'deleted' and m.account_id = s.account_id and m.provider_message_id = s.provider_message_id
          and m.deleted_at is null;
    end if;
    update chat.messages m
    set deleted_at = h.occurred_at
    from stg_new_messages nm
    join chat.message_status_events h
      on h.account_id = nm.account_id and h.provider_message_id = nm.provider_message_id and h.status = 'deleted'
    where m.id = nm.id;

    -- 3. Messenger watermarks: every outbound message sent before the watermark reached that status.
    if exists (select 1 from stg_new_statuses where watermark is not null and provider_message_id is null) then
        with applied as (
            update chat.messages m
            set status = w.status, status_rank = chat.status_rank(w.status), status_at = w.occurred_at
            from (select s.account_id, s.project_id, s.customer_external_id, s.status, max(s.watermark) as watermark,
                         max(s.occurred_at) as occurred_at
                  from stg_new_statuses s
                  where s.provider_message_id is null and s.watermark is not null and s.customer_external_id is not null
                  group by 1, 2, 3, 4) w
            join meta.accounts a on a.id = w.account_id
            join chat.contacts c on c.project_id = w.project_id and c.channel = a.channel and c.external_id = w.customer_external_id
            join chat.conversations cv on cv.account_id = w.account_id and cv.contact_id = c.id
            where m.conversation_id = cv.id and m.direction = 'out' and m.occurred_at <= w.watermark
              and m.status_rank < chat.status_rank(w.status)
            returning m.project_id, m.conversation_id, m.id
        )
        select ops.emit_changes(array_agg(project_id order by id), 'message_status',
                                array_agg(conversation_id order by id), array_agg(id order by id))
        into v_pushed from applied;
    end if;

    -- Number health counts what the new statuses are; campaigns move their recipients (434, 432).
    if inserted > 0 then
        -- Campaigns first: a harmful code pauses them with Meta's own reason before health sums it up.
        perform mass.ingest_statuses();
        perform ops.count_number_health();
    end if;

    return inserted;
end
$$;
