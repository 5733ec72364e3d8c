-- Part of meta.normalize_staged: contacts, conversations, messages, media and the conversations' latest-message
-- fields, from stg_messages rows whose ids step 2 of meta.normalize_staged resolved. Returns the messages inserted
-- (also left in stg_new_messages for the status step).
create or replace function chat.ingest_staged_messages(p_analyze boolean) returns int
language plpgsql as $$
declare
    inserted int;
    new_conversations bigint[];
    v_route bigint[];
begin
    -- 1. Contacts and conversations, found or created per project, account and customer.
    --    The contact rule is chat.upsert_contacts (105), shared with call ingestion; rows in arrival order.
    perform chat.upsert_contacts(array_agg(m.project_id order by m.seq), array_agg(m.channel order by m.seq),
                                 array_agg(m.customer_external_id order by m.seq), array_agg(m.customer_bsuid order by m.seq),
                                 array_agg(m.customer_name order by m.seq))
    from stg_messages m
    where m.project_id is not null;

    update stg_messages m set contact_id = c.id
    from chat.contacts c
    where c.project_id = m.project_id and c.channel = m.channel and c.external_id = m.customer_external_id;

    with created as (
        insert into chat.conversations (project_id, account_id, contact_id, channel)
        select distinct project_id, account_id, contact_id, channel from stg_messages
        where contact_id is not null
        order by account_id, contact_id
        on conflict (account_id, contact_id) do nothing
        returning id
    )
    select array_agg(id) into new_conversations from created;

    update stg_messages m set conversation_id = cv.id
    from chat.conversations cv
    where cv.account_id = m.account_id and cv.contact_id = m.contact_id;

    -- 2. Messages. Meta's ids are claimed for the whole batch in one statement (chat.message_provider_ids; migration
    --    0061), in key order, before the messages go in: a message already stored, or twice in this batch, is not
    --    inserted again, and the batch skips the per-row trigger that claims them for every other writer
    --    (mm.keys_claimed; db/functions/012_chat_message_keys.sql), which cost a third of a batch's time. The ids are
    --    drawn in arrival order first, so the key can name its message.
    perform set_config('mm.keys_claimed', 'on', true);
    with numbered as materialized (
        select nextval('chat.messages_id_seq') as id, x.*
        from (select m.project_id, m.conversation_id, m.account_id, m.direction, m.is_echo, m.provider_message_id, m.type,
                     m.body, m.reply_to, m.payload, m.occurred_at, m.received_at, m.error_code, m.error_title, m.event_id
              from stg_messages m
              where m.conversation_id is not null
              order by m.seq) x
    ), claimed as (
        insert into chat.message_provider_ids (account_id, provider_message_id, message_id)
        select distinct on (n.account_id, n.provider_message_id) n.account_id, n.provider_message_id, n.id
        from numbered n
        where n.provider_message_id is not null
        order by n.account_id, n.provider_message_id, n.id
        on conflict do nothing
        returning message_id
    ), ins as (
        insert into chat.messages (id, project_id, conversation_id, account_id, direction, is_echo, provider_message_id,
                                   type, body, reply_to_provider_id, payload, status, status_rank, occurred_at,
                                   error_code, error_title, event_id)
        select n.id, n.project_id, n.conversation_id, n.account_id, n.direction, n.is_echo, n.provider_message_id,
               n.type, n.body, n.reply_to, n.payload::jsonb,
               case when n.direction = 'in' then 'received' else 'sent' end,
               chat.status_rank(case when n.direction = 'in' then 'received' else 'sent' end),
               coalesce(n.occurred_at, n.received_at), n.error_code, n.error_title, n.event_id
        from numbered n
        where n.provider_message_id is null or n.id in (select message_id from claimed)
        order by n.id
        returning id, project_id, conversation_id, account_id, provider_message_id, direction, type, body, occurred_at
    )
    insert into stg_new_messages select * from ins;
    get diagnostics inserted = row_count;
    perform set_config('mm.keys_claimed', 'off', true); -- what the batch writes next (bot replies…) claims by trigger
    if p_analyze then analyze stg_new_messages; end if;

    -- What the consoles must see; the Core API pushes it (one set-based insert and one NOTIFY per batch).
    perform ops.emit_changes(array_agg(project_id order by id), 'message_created',
                             array_agg(conversation_id order by id), array_agg(id order by id))
    from stg_new_messages;

    insert into chat.media (project_id, message_id, ordinal, kind, provider_media_id, mime_type, sha256, url, file_name, caption)
    select nm.project_id, nm.id, md.ordinal, md.kind, md.provider_media_id, md.mime_type, md.sha256, md.url, md.file_name, md.caption
    from stg_media md
    join stg_new_messages nm on nm.account_id = md.account_id and nm.provider_message_id = md.provider_message_id
    on conflict (message_id, ordinal) do nothing;

    -- A customer whose whole message is an opt-out (STOP, BAJA…) or opt-in keyword: recorded with the message.
    perform chat.record_keyword_consents();
    -- A reply within 72 h of a campaign message is the campaign's (mass sends' funnel).
    if exists (select 1 from mass.campaigns where started_at > now() - interval '4 days') then
        perform mass.attribute_replies();
    end if;

    -- New conversations are routed to a queue (rules, else the account's default) once their messages exist, so
    -- keyword rules can read them; so is one a campaign opened (mass.start_recipient_send leaves it unrouted) once its
    -- customer writes. A resolved conversation the customer writes to again reopens.
    v_route := array(select unnest(new_conversations)
                     union
                     select n.conversation_id from stg_new_messages n join chat.conversations cv on cv.id = n.conversation_id
                     where n.direction = 'in' and cv.queue_id is null);
    if cardinality(v_route) > 0 then perform chat.route_conversations(v_route); end if;
    with reopened as (
        update chat.conversations cv set status = 'open', resolved_at = null
        from (select distinct conversation_id from stg_new_messages where direction = 'in') n
        where cv.id = n.conversation_id and cv.status = 'resolved'
        returning cv.id, cv.project_id, cv.queue_id, cv.assigned_user_id
    )
    insert into chat.conversation_events (project_id, conversation_id, action, queue_id, user_id)
    select project_id, id, 'reopened', queue_id, assigned_user_id from reopened;
    -- A customer's answer to a call permission request is their permission to be called (471_calls_ingest.sql).
    if exists (select 1 from stg_new_messages where direction = 'in' and type = 'interactive') then
        perform calls.apply_permission_replies();
    end if;
    -- Customer messages wake (or start) a chatbot flow's session (bot.flow_on_messages, 450_bot_runtime.sql), then the
    -- AI agent of their conversation, debounced (bot.on_customer_messages), where no flow has it.
    if exists (select 1 from bot.flow_activations where enabled)
       or exists (select 1 from bot.flow_sessions where status = 'active') then
        perform bot.flow_on_messages(array(select id from stg_new_messages where direction = 'in' order by id), new_conversations);
    end if;
    -- Customer messages wake (or start) the AI agent of their conversation, debounced (bot.on_customer_messages).
    if exists (select 1 from bot.ai_activations where enabled)
       or exists (select 1 from bot.ai_conversations where state in ('active', 'waiting')) then
        perform bot.on_customer_messages(array(select distinct conversation_id from stg_new_messages where direction = 'in'));
    end if;

    -- 3. Latest-message fields, window start and unread count, in one update per conversation. A late-arriving
    --    older message never replaces a newer latest message; reactions do not become the preview. WhatsApp stamps
    --    customer messages in whole seconds while our replies carry milliseconds: a customer message in the same
    --    second as our reply came after it (it has the higher id), so the latest is compared at Meta's precision
    --    (found by the browser test where "¡Gracias!" arrived in the reply's second and the preview kept the reply).
    update chat.conversations cv
    set last_message_id = case when u.newer then u.id else cv.last_message_id end,
        last_message_at = case when u.newer then u.occurred_at else cv.last_message_at end,
        last_message_direction = case when u.newer then u.direction else cv.last_message_direction end,
        last_message_type = case when u.newer then u.type else cv.last_message_type end,
        last_message_preview = case when u.newer then left(coalesce(u.body, '[' || u.type || ']'), 280) else cv.last_message_preview end,
        last_inbound_at = greatest(cv.last_inbound_at, u.last_in),
        unread_count = cv.unread_count + u.inbound
    from (select x.conversation_id, x.last_in, x.inbound, l.*,
                 l.id is not null and (cur.last_message_at is null
                     or (l.occurred_at, l.id) > (date_trunc('second', cur.last_message_at), cur.last_message_id)) as newer
          from (select conversation_id, max(occurred_at) filter (where direction = 'in') as last_in,
                       (count(*) filter (where direction = 'in'))::int as inbound
                from stg_new_messages group by conversation_id) x
          join chat.conversations cur on cur.id = x.conversation_id
          left join lateral (
              select nm.id, nm.occurred_at, nm.direction, nm.type, nm.body from stg_new_messages nm
              where nm.conversation_id = x.conversation_id and nm.type <> 'reaction'
              order by nm.occurred_at desc, nm.id desc limit 1) l on true) u
    where cv.id = u.conversation_id;

    return inserted;
end
$$;
