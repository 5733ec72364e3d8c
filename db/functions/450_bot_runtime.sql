-- The chatbots' runtime (issue 15, docs/chatbots.md): customer messages start or wake a conversation's flow session
-- (bot.flow_on_messages, part of chat.ingest_staged_messages), the Worker claims due sessions with a lease
-- (bot.claim_flow_sessions), runs the flow (FlowEngine) and commits the step in one call (bot.flow_commit): the sends
-- through chat.queue_outbound (the outbox, the window, pacing), the session's new place, the audit row. A person's
-- send, lock or self-assignment stops the session at once (bot.person_took_over, in the person's own transaction), and
-- bot.flow_commit re-checks under the session row's lock, so a bot never answers after a person took over (typebot #991).

-- The reply a customer's message carries: a WhatsApp reply button or list row, a template's quick-reply button, a
-- Messenger/Instagram quick reply or postback (the raw Meta object is chat.messages.payload).
create or replace function bot.reply_id(p_payload jsonb) returns text
language sql immutable as $$
    select coalesce(p_payload -> 'interactive' -> 'button_reply' ->> 'id', p_payload -> 'interactive' -> 'list_reply' ->> 'id',
                    p_payload -> 'button' ->> 'payload', p_payload -> 'message' -> 'quick_reply' ->> 'payload',
                    p_payload -> 'postback' ->> 'payload')
$$;

-- Where an ad or link brought the customer from: WhatsApp's referral (source_id, with ctwa_clid), Messenger and
-- Instagram's referral ref (on a message, or a postback). Null: no referral.
create or replace function bot.referral_of(p_payload jsonb) returns text
language sql immutable as $$
    select case when p_payload ? 'referral' or p_payload -> 'postback' ? 'referral' or p_payload -> 'message' ? 'referral' then
        coalesce(p_payload -> 'referral' ->> 'source_id', p_payload -> 'referral' ->> 'ref', p_payload -> 'referral' ->> 'ad_id',
                 p_payload -> 'postback' -> 'referral' ->> 'ref', p_payload -> 'message' -> 'referral' ->> 'ref', '') end
$$;

-- Text folded as keywords are stored (bot.flow_activations.keywords_folded): lower case, accents removed, anything
-- but letters and digits one space, padded with spaces so ' word ' finds whole words.
create or replace function bot.fold_words(p_text text) returns text
language sql immutable as $$
    select ' ' || trim(regexp_replace(lower(public.unaccent(coalesce(p_text, ''))), '[^[:alnum:]]+', ' ', 'g')) || ' '
$$;

-- Part of chat.ingest_staged_messages: the customer's new messages (p_message_ids) wake the sessions waiting for an
-- answer — at once for text, 2 s after the last one when media arrive (an album is several messages: one turn) — and
-- start a session where no session, AI agent or person holds the conversation and an activation of its account
-- matches (keyword, then referral, then out of hours, then new conversation; docs/chatbots.md). The wake-up is also
-- kept as wake_at, for a session a Worker is stepping: its step read the inputs before these messages committed, and
-- its commit would otherwise write due_at over the wake-up (the message waited for the customer's next one, or the
-- expiry). p_new_conversations:
-- created in this batch (with the ones reopened in this transaction, they are "new"). Notifies 'bot' so a Worker
-- claims at once.
create or replace function bot.flow_on_messages(p_message_ids bigint[], p_new_conversations bigint[]) returns void
language plpgsql as $$
declare
    v_woken int;
    v_started int;
begin
    if p_message_ids is null or cardinality(p_message_ids) = 0 then return; end if;

    with turn as (
        select m.conversation_id,
               case when bool_or(m.type in ('image', 'video', 'audio', 'document', 'sticker')) then interval '2 seconds'
                    else interval '0 seconds' end as debounce
        from chat.messages m where m.id = any(p_message_ids) group by m.conversation_id
    )
    -- wake_at on every active session, whatever its phase (a first step runs in phase run) and whether leased or not:
    -- a condition on what the claim or the commit change could be read from a snapshot older than their lock, and skip
    -- the session. The claim clears wake_at and reads the inputs after, so one set at the commit is for messages the
    -- step was not given.
    update bot.flow_sessions s
    set due_at = case when s.phase = 'input' then now() + turn.debounce else s.due_at end,
        wake_at = now() + turn.debounce
    from turn
    where s.conversation_id = turn.conversation_id and s.status = 'active';
    get diagnostics v_woken = row_count;

    with candidate as (
        select c.id as conversation_id, c.project_id, c.account_id, min(m.id) as first_message_id,
               bot.fold_words(string_agg(m.body, ' ' order by m.id)) as words,
               max(bot.referral_of(m.payload)) as referral,
               (c.id = any(coalesce(p_new_conversations, '{}'))
                or exists (select 1 from chat.conversation_events e
                           where e.conversation_id = c.id and e.action = 'reopened' and e.created_at = now())) as fresh,
               c.assigned_user_id is null as unassigned
        from chat.messages m
        join chat.conversations c on c.id = m.conversation_id
        where m.id = any(p_message_ids)
          and exists (select 1 from bot.flow_activations a where a.account_id = c.account_id and a.enabled)
          and not exists (select 1 from bot.flow_sessions s where s.conversation_id = c.id and s.status = 'active')
          and not exists (select 1 from bot.ai_conversations a where a.conversation_id = c.id and a.state in ('active', 'waiting'))
        group by c.id
    ), matched as (
        select distinct on (cd.conversation_id) cd.*, act.flow_id, act.entry, f.published_version_id, v.definition
        from candidate cd
        join bot.flow_activations act on act.account_id = cd.account_id and act.enabled
        join bot.flows f on f.id = act.flow_id and f.published_version_id is not null and f.archived_at is null
        join bot.flow_versions v on v.id = f.published_version_id
        where case act.entry
                  when 'keyword' then cd.unassigned
                       and exists (select 1 from unnest(act.keywords_folded) k
                                   where cd.words like '%' || bot.fold_words(k) || '%' and length(trim(k)) > 0)
                  when 'referral' then cd.referral is not null and (act.referral is null or act.referral = cd.referral)
                  when 'out_of_hours' then cd.fresh and not core.in_business_hours(cd.project_id, now())
                  when 'new_conversation' then cd.fresh
                  else false end
        order by cd.conversation_id,
                 case act.entry when 'keyword' then 0 when 'referral' then 1 when 'out_of_hours' then 2 else 3 end, act.id
    ), started as (
        insert into bot.flow_sessions (project_id, conversation_id, flow_id, version_id, entry, node_id, phase, last_message_id,
                                       expires_at, due_at)
        select project_id, conversation_id, flow_id, published_version_id, entry, definition ->> 'start', 'run', first_message_id - 1,
               now() + make_interval(mins => coalesce((definition ->> 'expiryMinutes')::int, 240)), now()
        from matched
        on conflict (conversation_id) where status = 'active' do nothing
        returning project_id, conversation_id, id, flow_id
    )
    select ops.emit_changes(array_agg(project_id), 'bot_changed', array_agg(conversation_id), null,
                            array_agg(jsonb_build_object('status', 'active', 'sessionId', id, 'flowId', flow_id)))
    into v_started from started;

    if v_woken > 0 or v_started > 0 then perform pg_notify('bot', ''); end if;
end
$$;

-- Starts the flow activated for "ai_handoff" on the conversation's account (an AI agent handed off): true when one
-- took the conversation. Called by bot.ai_hand_off in the agent's transaction.
create or replace function bot.flow_start_after_ai(p_conversation_id bigint) returns boolean
language plpgsql as $$
declare
    v_id bigint;
    v_project bigint;
    v_flow bigint;
begin
    insert into bot.flow_sessions (project_id, conversation_id, flow_id, version_id, entry, node_id, phase, last_message_id,
                                   expires_at, due_at)
    select c.project_id, c.id, f.id, f.published_version_id, 'ai_handoff', v.definition ->> 'start', 'run',
           coalesce((select max(m.id) from chat.messages m where m.conversation_id = c.id and m.direction = 'in'), 0),
           now() + make_interval(mins => coalesce((v.definition ->> 'expiryMinutes')::int, 240)), now()
    from chat.conversations c
    join bot.flow_activations act on act.account_id = c.account_id and act.enabled and act.entry = 'ai_handoff'
    join bot.flows f on f.id = act.flow_id and f.published_version_id is not null and f.archived_at is null
    join bot.flow_versions v on v.id = f.published_version_id
    where c.id = p_conversation_id
    order by act.id
    limit 1
    on conflict (conversation_id) where status = 'active' do nothing
    returning id, project_id, flow_id into v_id, v_project, v_flow;
    if v_id is null then return false; end if;
    perform ops.emit_change(v_project, 'bot_changed', p_conversation_id, null,
                            jsonb_build_object('status', 'active', 'sessionId', v_id, 'flowId', v_flow));
    perform pg_notify('bot', '');
    return true;
end
$$;

-- A person sent, took the lock or assigned the conversation (bot.person_took_over), or resolved it: the active
-- session ends with who, when and why, pushed to the consoles.
create or replace function bot.flow_stop(p_conversation_id bigint, p_status text, p_reason text, p_user_id bigint) returns void
language plpgsql as $$
declare
    v_session bot.flow_sessions;
begin
    update bot.flow_sessions
    set status = p_status, reason = p_reason, changed_at = now(), changed_by = p_user_id, ended_at = now(), due_at = null
    where conversation_id = p_conversation_id and status = 'active'
    returning * into v_session;
    if v_session.id is null then return; end if;
    perform ops.emit_change(v_session.project_id, 'bot_changed', p_conversation_id, null,
                            jsonb_build_object('status', p_status, 'reason', p_reason, 'userId', p_user_id, 'sessionId', v_session.id));
end
$$;

-- The Worker's claim: due sessions (an answer arrived, a timer fired, a new session, or one waiting past its expiry),
-- leased for p_lease_seconds, with everything one step needs in the same round trip: the version's definition, the
-- customer's messages not yet answered (with the reply they tapped), the conversation's context and the bot's sends
-- in the last minute (the loop guard). A session whose Worker died is claimed again when its lease ends.
-- Two statements, so the inputs are read with a snapshot taken after the sessions are locked: ingestion that committed
-- before the lock is in the inputs; ingestion that commits after it waited for the lock and set wake_at (cleared here)
-- for the commit. One statement read the inputs with a snapshot taken before the lock, and could miss the messages of
-- a wake-up it had just consumed.
create or replace function bot.claim_flow_sessions(p_worker text, p_limit int, p_lease_seconds int)
returns table (session_id bigint, conversation_id bigint, project_id bigint, flow_id bigint, version_id bigint, definition jsonb,
               node_id text, phase text, variables jsonb, retries int, seq int, last_message_id bigint, expires_at timestamptz,
               attempt_count int, channel text, contact_name text, contact_phone text, contact_attributes jsonb, language text,
               in_hours boolean, inputs jsonb, sent_last_minute int)
language plpgsql as $$
#variable_conflict use_column
declare
    v_ids bigint[];
begin
    with due as (
        select s.id from bot.flow_sessions s
        where s.status = 'active' and s.due_at <= now() and (s.locked_until is null or s.locked_until < now())
        order by s.due_at
        limit p_limit
        for update skip locked
    ), claimed as (
        update bot.flow_sessions s
        -- Due again when the lease ends: a Worker that dies mid-step (SIGKILL, no release) leaves the session to the
        -- next claim instead of stranding it until the customer writes again. Every commit and release sets due_at.
        set locked_by = p_worker, locked_until = now() + make_interval(secs => p_lease_seconds),
            due_at = now() + make_interval(secs => p_lease_seconds), attempt_count = s.attempt_count + 1, wake_at = null
        from due where s.id = due.id
        returning s.id
    )
    select array_agg(id) into v_ids from claimed;
    if v_ids is null then return; end if;

    return query
    select s.id, s.conversation_id, s.project_id, s.flow_id, s.version_id, v.definition, s.node_id, s.phase, s.variables, s.retries,
           s.seq, s.last_message_id, s.expires_at, s.attempt_count, c.channel, ct.display_name, ct.phone, ct.attributes,
           coalesce(ct.language, p.default_language, 'en'), core.in_business_hours(s.project_id, now()),
           coalesce((select jsonb_agg(jsonb_build_object('id', m.id, 'type', m.type, 'text', coalesce(m.body, m.ai_text),
                                                         'replyId', bot.reply_id(m.payload)) order by m.id)
                     from chat.messages m
                     where m.conversation_id = s.conversation_id and m.direction = 'in' and m.id > s.last_message_id
                       and m.type not in ('reaction', 'system', 'edit', 'unsupported')), '[]'::jsonb),
           (select count(*)::int from chat.messages m
            where m.conversation_id = s.conversation_id and m.sent_by_flow_id is not null and m.occurred_at > now() - interval '1 minute')
    from bot.flow_sessions s
    join bot.flow_versions v on v.id = s.version_id
    join chat.conversations c on c.id = s.conversation_id
    join chat.contacts ct on ct.id = c.contact_id
    join core.projects p on p.id = s.project_id
    where s.id = any(v_ids);
end
$$;

-- One step of a session, committed at once: under the session row's lock, only while this Worker holds the lease and
-- the session is still active and no person holds the conversation's lock; a step already committed (same seq) is a
-- duplicate and sends nothing again. p_actions, in order: {"kind": "send", "type", "body", "payload"}, {"kind":
-- "template", "name", "language", "parameters"}, {"kind": "attribute", "key", "value"}, {"kind": "handoff", "queueId",
-- "reason"}, {"kind": "ai", "agentId"}, {"kind": "resolve"}. p_status: active (waiting for input, or a timer at
-- p_due_at), completed, handed_off, ai_agent (recorded as completed, reason ai_agent), expired, failed.
-- Outcomes: committed, duplicate, lost_lease, not_active, person_lock; a send refused because the window closed ends
-- the session (failed, window_closed) and a refused template hands off with the refusal as the reason.
create or replace function bot.flow_commit(p_session_id bigint, p_worker text, p_seq int, p_node_id text, p_phase text,
                                           p_variables jsonb, p_retries int, p_steps int, p_last_message_id bigint,
                                           p_status text, p_reason text, p_due_at timestamptz, p_expires_at timestamptz,
                                           p_actions jsonb, p_path text[], p_input_message_id bigint, p_overhead_ms int,
                                           out outcome text, out message_ids bigint[])
language plpgsql as $$
declare
    v_s bot.flow_sessions;
    v_action jsonb;
    v_n int := 0;
    v_message bigint;
    v_template bigint;
    v_status text := p_status;
    v_reason text := p_reason;
    v_queue bigint;
    v_handoff_queue bigint;
    v_handoff boolean := false;
begin
    message_ids := '{}';
    select * into v_s from bot.flow_sessions where id = p_session_id for update;
    if v_s.locked_by is distinct from p_worker or v_s.locked_until < now() then outcome := 'lost_lease'; return; end if;
    if v_s.status <> 'active' then outcome := 'not_active'; return; end if;
    if exists (select 1 from bot.flow_steps st where st.session_id = p_session_id and st.seq = p_seq) then
        outcome := 'duplicate'; return;
    end if;
    if exists (select 1 from chat.conversation_locks l where l.conversation_id = v_s.conversation_id and l.expires_at > now()) then
        perform bot.flow_stop(v_s.conversation_id, 'off', 'person_lock', null);
        outcome := 'person_lock'; return;
    end if;

    for v_action in select * from jsonb_array_elements(coalesce(p_actions, '[]')) loop
        v_n := v_n + 1;
        case v_action ->> 'kind'
        when 'send' then
            begin
                select q.message_id into v_message
                from chat.queue_outbound(v_s.conversation_id, null, 'flow:' || p_session_id || ':' || p_seq || ':' || v_n,
                                         v_action ->> 'type', v_action ->> 'body',
                                         p_flow_id => v_s.flow_id, p_payload => v_action -> 'payload') q;
            exception when sqlstate 'MM002' then
                v_status := 'failed'; v_reason := 'window_closed';
                exit;
            end;
            message_ids := message_ids || v_message;
        when 'template' then
            select t.id into v_template
            from chat.conversations c
            join meta.accounts a on a.id = c.account_id
            join meta.templates t on t.project_id = c.project_id and t.waba_id = a.waba_id and t.name = v_action ->> 'name'
                 and t.status <> 'deleted'
            where c.id = v_s.conversation_id
            order by (t.language = v_action ->> 'language') desc,
                     (split_part(t.language, '_', 1) = split_part(v_action ->> 'language', '_', 1)) desc, t.id
            limit 1;
            if v_template is null then
                v_status := 'handed_off'; v_reason := 'template_not_found'; v_handoff := true;
                exit;
            end if;
            begin
                select s.message_id into v_message
                from chat.send_template(v_s.conversation_id, null, 'flow:' || p_session_id || ':' || p_seq || ':' || v_n,
                                        v_template, coalesce(v_action -> 'parameters', '{}')) s;
            exception when sqlstate 'MM401' or sqlstate 'MM402' or sqlstate 'MM403' or sqlstate 'MM404' or sqlstate 'MM405' then
                v_status := 'handed_off'; v_reason := 'template_' || sqlerrm; v_handoff := true;
                exit;
            end;
            update chat.messages set sent_by_flow_id = v_s.flow_id where id = v_message;
            message_ids := message_ids || v_message;
        when 'attribute' then
            perform chat.set_contact_attributes(v_s.conversation_id, jsonb_build_object(v_action ->> 'key', v_action ->> 'value'), '{}');
        when 'handoff' then
            v_handoff := true;
            v_handoff_queue := (v_action ->> 'queueId')::bigint;
        when 'ai' then
            insert into bot.ai_conversations as a (conversation_id, project_id, agent_id, version_id, state, state_reason, due_at,
                                                   episode_started_at)
            select v_s.conversation_id, v_s.project_id, ag.id, ag.published_version_id, 'active', 'flow', now(), v_s.started_at
            from bot.ai_agents ag
            where ag.id = (v_action ->> 'agentId')::bigint and ag.project_id = v_s.project_id and ag.published_version_id is not null
              and ag.archived_at is null
            on conflict (conversation_id) do update
                set agent_id = excluded.agent_id, version_id = excluded.version_id, state = 'active', state_reason = 'flow',
                    state_changed_at = now(), state_changed_by = null, episode_started_at = excluded.episode_started_at, turns = 0,
                    measures = '{}', last_answered_message_id = null, due_at = now(), attempt_count = 0, last_error = null,
                    updated_at = now();
            if not found then
                v_status := 'handed_off'; v_reason := 'agent_unavailable'; v_handoff := true;
                exit;
            end if;
            perform ops.emit_change(v_s.project_id, 'ai_changed', v_s.conversation_id, null,
                                    jsonb_build_object('state', 'active', 'reason', 'flow'));
        when 'resolve' then
            null; -- after the session's own update below: resolving ends the session through bot.end_episode otherwise
        end case;
    end loop;

    -- People's work now: assignment runs at once (auto_assign skips conversations a bot is working).
    if v_handoff then
        perform pg_notify('assignment', '');
        insert into ops.handoff_log (project_id, conversation_id, source, reason, flow_id)
        values (v_s.project_id, v_s.conversation_id, 'bot', coalesce(v_reason, 'handoff_node'), v_s.flow_id);
    end if;
    if v_handoff and v_handoff_queue is not null then
        select queue_id into v_queue from chat.conversations where id = v_s.conversation_id;
        if v_handoff_queue is distinct from v_queue
           and exists (select 1 from core.queues q where q.id = v_handoff_queue and q.project_id = v_s.project_id) then
            perform chat.transfer(v_s.conversation_id, v_handoff_queue, null, null);
        end if;
    end if;

    update bot.flow_sessions
    set node_id = p_node_id, phase = p_phase, variables = p_variables, retries = p_retries, steps = steps + p_steps, seq = p_seq,
        last_message_id = greatest(last_message_id, p_last_message_id),
        status = case v_status when 'ai_agent' then 'completed' else v_status end,
        reason = coalesce(v_reason, reason),
        changed_at = case when v_status <> 'active' then now() else changed_at end,
        ended_at = case when v_status <> 'active' then now() end,
        expires_at = coalesce(p_expires_at, expires_at),
        due_at = case when v_status <> 'active' then null
                      when p_phase = 'timer' then p_due_at
                      when p_phase = 'run' then now()
                      -- Customer messages came in while this step ran (after the claim gave it its inputs): due for
                      -- them, not at the expiry. A trigger or an input is never one of them (the claim cleared wake_at).
                      when v_s.wake_at is not null then v_s.wake_at
                      else coalesce(p_expires_at, expires_at) end,
        wake_at = null, locked_by = null, locked_until = null, attempt_count = 0, last_error = null
    where id = p_session_id;

    -- A wake-up that did nothing (a reaction, an edit) leaves no step.
    if cardinality(coalesce(p_path, '{}')) > 0 or v_status <> 'active' then
        insert into bot.flow_steps (project_id, session_id, seq, input_message_id, path, outcome, message_ids, overhead_ms)
        values (v_s.project_id, p_session_id, p_seq, p_input_message_id, coalesce(p_path, '{}'),
                case when v_status = 'active' then case when p_phase = 'timer' then 'timer' else 'waiting' end else v_status end,
                message_ids, p_overhead_ms);
    end if;

    if exists (select 1 from jsonb_array_elements(coalesce(p_actions, '[]')) a where a ->> 'kind' = 'resolve') and v_status = 'completed' then
        perform chat.set_status(v_s.conversation_id, 'resolved', null);
    end if;
    -- The consoles hear of status changes; a step within an active session shows through the bot's own messages
    -- (message_created), so the hot path carries no second change row and NOTIFY.
    if v_status <> 'active' then
        perform ops.emit_change(v_s.project_id, 'bot_changed', v_s.conversation_id, null,
                                jsonb_build_object('status', case v_status when 'ai_agent' then 'completed' else v_status end,
                                                   'reason', v_reason, 'nodeId', p_node_id, 'sessionId', p_session_id));
    end if;
    outcome := 'committed';
end
$$;

-- A step that threw: the lease is released and the session retried after p_retry_ms; after 5 attempts it fails
-- (people see the conversation; the error is on the session).
create or replace function bot.flow_release(p_session_id bigint, p_worker text, p_error text, p_retry_ms int) returns void
language plpgsql as $$
declare
    v_s bot.flow_sessions;
begin
    update bot.flow_sessions
    set locked_by = null, locked_until = null, last_error = left(p_error, 2000),
        due_at = now() + make_interval(secs => p_retry_ms / 1000.0 * power(2, least(attempt_count, 6))),
        status = case when attempt_count >= 5 then 'failed' else status end,
        reason = case when attempt_count >= 5 then 'error' else reason end,
        ended_at = case when attempt_count >= 5 then now() end
    where id = p_session_id and locked_by = p_worker and status = 'active'
    returning * into v_s;
    if v_s.status = 'failed' then
        perform ops.emit_change(v_s.project_id, 'bot_changed', v_s.conversation_id, null,
                                jsonb_build_object('status', 'failed', 'reason', 'error', 'sessionId', v_s.id));
    end if;
end
$$;

-- The rail: the conversation's latest session (active, or how the last one ended), its flow and version, who changed it.
create or replace function bot.conversation_bot(p_conversation_id bigint)
returns table (session_id bigint, status text, flow_id bigint, flow_name text, version int, node_id text, reason text,
               started_at timestamptz, expires_at timestamptz, changed_at timestamptz, changed_by_name text, variables jsonb)
language sql stable as $$
    select s.id, s.status, s.flow_id, f.name, v.version, s.node_id, s.reason, s.started_at, s.expires_at, s.changed_at,
           u.display_name, s.variables
    from bot.flow_sessions s
    join bot.flows f on f.id = s.flow_id
    join bot.flow_versions v on v.id = s.version_id
    left join core.users u on u.id = s.changed_by
    where s.conversation_id = p_conversation_id
    order by s.id desc
    limit 1
$$;

-- A supervisor hands the conversation back to its bot (active: the last session resumes where it stopped, re-asking
-- its question; messages people already handled are not answered) or stops it (off). Refusals: no_session,
-- session_active (hand back: one runs already), ai_active (an AI agent has the conversation).
create or replace function bot.set_conversation_bot(p_conversation_id bigint, p_state text, p_user_id bigint, out refusal text)
language plpgsql as $$
declare
    v_s bot.flow_sessions;
    v_definition jsonb;
begin
    if p_state = 'off' then
        if not exists (select 1 from bot.flow_sessions where conversation_id = p_conversation_id and status = 'active') then
            refusal := 'no_session'; return;
        end if;
        perform bot.flow_stop(p_conversation_id, 'off', 'turned_off', p_user_id);
        return;
    end if;
    if exists (select 1 from bot.flow_sessions where conversation_id = p_conversation_id and status = 'active') then
        refusal := 'session_active'; return;
    end if;
    if exists (select 1 from bot.ai_conversations where conversation_id = p_conversation_id and state in ('active', 'waiting')) then
        refusal := 'ai_active'; return;
    end if;
    select * into v_s from bot.flow_sessions where conversation_id = p_conversation_id order by id desc limit 1 for update;
    if v_s.id is null then refusal := 'no_session'; return; end if;
    select definition into v_definition from bot.flow_versions where id = v_s.version_id;
    update bot.flow_sessions
    set status = 'active', reason = 'handed_back', changed_at = now(), changed_by = p_user_id, ended_at = null,
        -- a session that ended at a terminal node starts over; one stopped while waiting re-asks its question
        node_id = case when v_s.status in ('completed', 'handed_off') then v_definition ->> 'start' else v_s.node_id end,
        phase = 'run', retries = 0,
        last_message_id = coalesce((select max(m.id) from chat.messages m
                                    where m.conversation_id = p_conversation_id and m.direction = 'in'), v_s.last_message_id),
        expires_at = now() + make_interval(mins => coalesce((v_definition ->> 'expiryMinutes')::int, 240)),
        due_at = now(), wake_at = null, locked_by = null, locked_until = null, attempt_count = 0, last_error = null
    where id = v_s.id;
    perform ops.emit_change(v_s.project_id, 'bot_changed', p_conversation_id, null,
                            jsonb_build_object('status', 'active', 'reason', 'handed_back', 'userId', p_user_id, 'sessionId', v_s.id));
    perform pg_notify('bot', '');
end
$$;
