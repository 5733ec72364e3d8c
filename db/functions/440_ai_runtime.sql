-- The AI agents' runtime (issue 14, docs/ai-agents.md): which conversations an agent answers, the AI queue the Worker
-- claims (debounced per conversation), and the agent's actions through the same functions a person's go through —
-- replies through chat.queue_outbound (the outbox, the 24-hour window, locks), transfers through chat.transfer,
-- resolving through chat.set_status. A person's send, lock or self-assignment stops the agent at once
-- (bot.person_took_over, called from those functions), and every AI send re-checks the state under the row's lock,
-- so whichever commits first wins and an agent never answers after a person took over (chatwoot #13673).

-- Business hours in the project's time zone; no hours set: always open.
create or replace function core.in_business_hours(p_project_id bigint, p_at timestamptz) returns boolean
language sql stable as $$
    select case when p.business_hours is null then true else exists (
               select 1
               from jsonb_array_elements(p.business_hours -> (array['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'])
                        [extract(dow from p_at at time zone p.time_zone)::int + 1]) r
               where (p_at at time zone p.time_zone)::time >= (r ->> 0)::time
                 and (p_at at time zone p.time_zone)::time < (r ->> 1)::time) end
    from core.projects p where p.id = p_project_id
$$;

-- The agent that answers each of these conversations now, by the most specific enabled activation of a published,
-- unarchived agent (account, queue and channel each count one; the oldest activation breaks ties).
create or replace function bot.match_activations(p_conversation_ids bigint[])
returns table (conversation_id bigint, project_id bigint, agent_id bigint, version_id bigint, first text, debounce_seconds int)
language sql stable as $$
    select distinct on (c.id) c.id, c.project_id, act.agent_id, ag.published_version_id, act.first,
           coalesce((v.definition ->> 'debounceSeconds')::int, 3)
    from chat.conversations c
    join bot.ai_activations act on act.project_id = c.project_id and act.enabled
         and (act.account_id is null or act.account_id = c.account_id)
         and (act.queue_id is null or act.queue_id = c.queue_id)
         and (act.channel is null or act.channel = c.channel)
    join bot.ai_agents ag on ag.id = act.agent_id and ag.published_version_id is not null and ag.archived_at is null
    join bot.ai_agent_versions v on v.id = ag.published_version_id
    where c.id = any(p_conversation_ids)
      and (act.hours = 'always' or (act.hours = 'in_hours') = core.in_business_hours(c.project_id, now()))
    order by c.id, (act.account_id is not null)::int + (act.queue_id is not null)::int + (act.channel is not null)::int desc, act.id
$$;

-- Part of chat.ingest_staged_messages, after routing: customer messages wake the agent of their conversation once the
-- burst is over (due_at = the last message + the agent's debounce); a conversation without AI state, or whose last
-- episode ended (resolved), starts an episode when an activation matches. Handed-off and turned-off conversations
-- stay with people. p_conversations: the conversations with new customer messages in this batch.
drop function if exists bot.on_inbound();
create or replace function bot.on_customer_messages(p_conversations bigint[]) returns void
language plpgsql as $$
declare
    v_conversations bigint[] := p_conversations;
    v_started int;
begin
    if v_conversations is null or cardinality(v_conversations) = 0 then return; end if;

    update bot.ai_conversations a
    set due_at = now() + make_interval(secs => coalesce((v.definition ->> 'debounceSeconds')::int, 3)), updated_at = now()
    from bot.ai_agents ag
    left join bot.ai_agent_versions v on v.id = ag.published_version_id
    where a.conversation_id = any(v_conversations) and a.state in ('active', 'waiting') and ag.id = a.agent_id
      and not (a.state = 'waiting' and a.state_reason = 'approval');

    -- The episode starts where the last one ended (resolved), else an hour back: the customer's messages carry Meta's
    -- timestamps (whole seconds, and late when delivery was), so "now" would leave out the very messages that woke it.
    with fresh as (
        select m.*, coalesce(a.state_changed_at, now() - interval '1 hour') as episode_start
        from bot.match_activations(v_conversations) m
        left join bot.ai_conversations a on a.conversation_id = m.conversation_id
        where m.first in ('bot', 'ask') and (a.conversation_id is null or a.state = 'ended')
          -- a chatbot flow has the conversation, or handed it to people in this episode (docs/chatbots.md)
          and not exists (select 1 from bot.flow_sessions s
                          where s.conversation_id = m.conversation_id
                            and (s.status = 'active'
                                 or s.status in ('handed_off', 'off')
                                    and s.ended_at > coalesce((select max(e.created_at) from chat.conversation_events e
                                                               where e.conversation_id = s.conversation_id and e.action = 'resolved'),
                                                              '-infinity')))
    ), started as (
        insert into bot.ai_conversations as a (conversation_id, project_id, agent_id, version_id, state, state_reason, due_at,
                                               episode_started_at)
        select f.conversation_id, f.project_id, f.agent_id, f.version_id,
               case f.first when 'bot' then 'active' else 'waiting' end,
               case f.first when 'bot' then 'started' else 'choose' end,
               now() + make_interval(secs => f.debounce_seconds), f.episode_start
        from fresh f
        on conflict (conversation_id) do update
            set agent_id = excluded.agent_id, version_id = excluded.version_id, state = excluded.state,
                state_reason = excluded.state_reason, state_changed_at = now(), state_changed_by = null,
                episode_started_at = excluded.episode_started_at, turns = 0, measures = '{}', last_answered_message_id = null,
                due_at = excluded.due_at, attempt_count = 0, last_error = null, updated_at = now()
            where a.state = 'ended'
        returning a.project_id, a.conversation_id, a.state
    )
    select ops.emit_changes(array_agg(project_id), 'ai_changed', array_agg(conversation_id),
                            null, array_agg(jsonb_build_object('state', state)))
    into v_started
    from started;
end
$$;

-- A person sent, took the lock or assigned the conversation: the agent stops for this conversation at once (an
-- auditable state change, pushed to the consoles). Called inside the person's own transaction.
create or replace function bot.person_took_over(p_conversation_id bigint, p_user_id bigint, p_reason text) returns void
language plpgsql as $$
declare
    v_project bigint;
begin
    perform bot.flow_stop(p_conversation_id, 'off', p_reason, p_user_id);
    update bot.ai_conversations
    set state = 'off', state_reason = p_reason, state_changed_at = now(), state_changed_by = p_user_id, due_at = null,
        updated_at = now()
    where conversation_id = p_conversation_id and state in ('active', 'waiting')
    returning project_id into v_project;
    if v_project is null then return; end if;
    update bot.ai_tool_approvals set status = 'rejected', decided_by = p_user_id, decided_at = now(),
        result = jsonb_build_object('reason', p_reason)
    where conversation_id = p_conversation_id and status = 'pending';
    perform ops.emit_change(v_project, 'ai_changed', p_conversation_id, null,
                            jsonb_build_object('state', 'off', 'reason', p_reason, 'userId', p_user_id));
end
$$;

-- The conversation was resolved (by a person or the agent): the episode ends, and the next customer message starts a
-- new one with a fresh context.
create or replace function bot.end_episode(p_conversation_id bigint) returns void
language plpgsql as $$
declare
    v_project bigint;
begin
    perform bot.flow_stop(p_conversation_id, 'off', 'resolved', null);
    update bot.ai_conversations
    set state = 'ended', state_reason = 'resolved', state_changed_at = now(), due_at = null, updated_at = now()
    where conversation_id = p_conversation_id and state <> 'ended'
    returning project_id into v_project;
    if v_project is not null then
        update bot.ai_tool_approvals set status = 'rejected', decided_at = now(), result = jsonb_build_object('reason', 'resolved')
        where conversation_id = p_conversation_id and status = 'pending';
        perform ops.emit_change(v_project, 'ai_changed', p_conversation_id, null, jsonb_build_object('state', 'ended'));
    end if;
end
$$;

-- The Worker's claim: conversations whose debounce is over, oldest first, leased for p_lease_seconds; the agent's
-- current published version is what runs (a publish takes effect at the next turn).
create or replace function bot.claim_ai_conversations(p_worker text, p_limit int, p_lease_seconds int)
returns table (conversation_id bigint, project_id bigint, agent_id bigint, version_id bigint, definition jsonb, state text,
               state_reason text, episode_started_at timestamptz, turns int, measures jsonb,
               last_answered_message_id bigint, attempt_count int)
language plpgsql as $$
#variable_conflict use_column
begin
    -- As the run's own writes (bot.ai_record_turn): the claim does not wait for its WAL flush. A claim lost to a server
    -- crash leaves the conversation due, and the run it started is redone by the next claim without sending twice
    -- (docs/ai-agents.md, "What limits a turn").
    set local synchronous_commit = off;
    -- plpgsql: bot.ai_media_pending (444_ai_media.sql) is created after this file.
    return query
    with due as (
        select a.conversation_id from bot.ai_conversations a
        where a.due_at <= now() and a.state in ('active', 'waiting') and (a.locked_until is null or a.locked_until < now())
          -- a voice note or photo still being understood (at most 60 s): answered with its text, not blind
          and not bot.ai_media_pending(a.conversation_id)
        order by a.due_at
        limit p_limit
        for update skip locked
    ), claimed as (
        update bot.ai_conversations a
        -- Due again when the lease ends (due_at = locked_until marks "nothing new, only the lease"): a Worker that dies
        -- mid-turn leaves the conversation to the next claim, and the turn is redone (its replies' client ids make the
        -- redo send nothing twice). bot.ai_finish clears the marker; a customer message during the run replaces it.
        set locked_by = p_worker, locked_until = now() + make_interval(secs => p_lease_seconds),
            due_at = now() + make_interval(secs => p_lease_seconds), attempt_count = a.attempt_count + 1,
            version_id = (select ag.published_version_id from bot.ai_agents ag where ag.id = a.agent_id)
        from due where a.conversation_id = due.conversation_id
        returning a.*
    )
    select c.conversation_id, c.project_id, c.agent_id, c.version_id, v.definition, c.state, c.state_reason,
           c.episode_started_at, c.turns, c.measures, c.last_answered_message_id, c.attempt_count
    from claimed c left join bot.ai_agent_versions v on v.id = c.version_id;
end
$$;

-- How long until the next conversation falls due (a debounce ending, a lease running out), in milliseconds; null when
-- none is waiting. The AI loop sleeps that long instead of its whole poll interval, so a conversation is claimed when
-- its debounce ends, alone, not with every other that fell due during the interval (docs/ai-agents.md). Read in the
-- claim's transaction: "not yet due" is the claim's own cutoff (now(), the transaction's start), so a conversation that
-- fell due while the claim ran comes back as due (a negative wait: the loop claims again at once), never as "none".
create or replace function bot.ai_next_due_in_ms()
returns double precision
language sql stable as $$
    select extract(epoch from min(a.due_at) - clock_timestamp()) * 1000
    from bot.ai_conversations a
    where a.due_at > now() and a.state in ('active', 'waiting')
$$;

-- What the agent knows of the conversation: the channel, the customer, the queue, the window; the episode's messages
-- come from bot.ai_thread. The window is the standard one: the HUMAN_AGENT tag's days are a person's (chat.queue_outbound).
create or replace function bot.ai_conversation_context(p_conversation_id bigint)
returns table (project_id bigint, account_id bigint, channel text, status text, queue_id bigint, queue_name text,
               contact_name text, contact_language text, contact_attributes jsonb, default_language text, window_open boolean,
               locked_by_person boolean)
language sql stable as $$
    select c.project_id, c.account_id, c.channel, c.status, c.queue_id, q.name, ct.display_name, ct.language, ct.attributes,
           p.default_language, coalesce((select w.is_open and not w.via_human_agent from chat.window_state(c.id, now()) w), false),
           exists (select 1 from chat.conversation_locks l where l.conversation_id = c.id and l.expires_at > now())
    from chat.conversations c
    join chat.contacts ct on ct.id = c.contact_id
    join core.projects p on p.id = c.project_id
    left join core.queues q on q.id = c.queue_id
    where c.id = p_conversation_id
$$;

-- The episode's thread, oldest first, at most p_limit of the latest messages: who wrote (customer, agent, person), what
-- (the text, else the AI's transcript, description or document text of its media), and when.
create or replace function bot.ai_thread(p_conversation_id bigint, p_since timestamptz, p_limit int)
returns table (message_id bigint, direction text, author text, type text, body text, ai_text text, ai_text_kind text,
               occurred_at timestamptz, media_kind text, media_id bigint, mime_type text)
language sql stable as $$
    select * from (
        select m.id as message_id, m.direction,
               case when m.direction = 'in' then 'customer' when m.sent_by_ai_agent_id is not null then 'agent'
                    when m.sent_by_user_id is not null then 'person' else 'business' end,
               m.type, m.body, m.ai_text, m.ai_text_kind, m.occurred_at, md.kind, md.id, md.mime_type
        from chat.messages m
        left join lateral (select x.id, x.kind, x.mime_type from chat.media x where x.message_id = m.id order by x.ordinal limit 1) md on true
        where m.conversation_id = p_conversation_id and m.occurred_at >= p_since and m.type not in ('reaction', 'system')
        order by m.occurred_at desc, m.id desc
        limit p_limit) t
    order by t.occurred_at, t.message_id
$$;

-- An agent's message to the customer, only while the agent still has the conversation: the row's lock orders it
-- against a person's takeover (bot.person_took_over updates the same row), the lease proves this Worker still runs
-- the turn. Idempotent on the client message id (a retried turn never sends twice). Outcomes: sent, duplicate,
-- not_active (a person took over, or it was turned off), lost_lease, person_lock (a person holds the lock),
-- window_closed.
-- Whether the agent may send in the conversation now, re-checked right before each send under the row's lock: null
-- when it may, else why not (lost_lease: another Worker has it; not_active: a person took over or turned it off;
-- person_lock: a person holds the conversation's lock). Shared by the agent's replies and its templates.
create or replace function bot.ai_send_refusal(p_conversation_id bigint, p_worker text) returns text
language plpgsql as $$
declare
    v_ai bot.ai_conversations;
begin
    select * into v_ai from bot.ai_conversations where conversation_id = p_conversation_id for update;
    if v_ai.locked_by is distinct from p_worker or v_ai.locked_until < now() then return 'lost_lease'; end if;
    if v_ai.state not in ('active', 'waiting') then return 'not_active'; end if;
    if exists (select 1 from chat.conversation_locks l where l.conversation_id = p_conversation_id and l.expires_at > now()) then
        return 'person_lock';
    end if;
    return null;
end
$$;

-- p_payload: what the Worker sends beside the text, for the channel (reply buttons, quick replies).
drop function if exists bot.ai_send(bigint, text, bigint, text, text, text);
create or replace function bot.ai_send(p_conversation_id bigint, p_worker text, p_agent_id bigint, p_client_message_id text,
                                       p_type text, p_body text, p_payload jsonb default null, out outcome text, out message_id bigint)
language plpgsql as $$
declare
    v_created boolean;
begin
    -- Committed without waiting for the WAL flush (docs/ai-agents.md, "What limits a turn"): the reply reaches Meta only
    -- after the outbox pump's claim, a synchronous commit that flushes this one with it, so a database crash can lose
    -- only a reply nobody was sent, and the run, unfinished, is redone (its client ids keep it from sending twice).
    -- Meanwhile the database-wide NOTIFY lock this commit takes is held for microseconds, not a disk flush.
    set local synchronous_commit = off;
    outcome := bot.ai_send_refusal(p_conversation_id, p_worker);
    if outcome is not null then return; end if;
    begin
        select q.message_id, q.created into message_id, v_created
        from chat.queue_outbound(p_conversation_id, null, p_client_message_id, p_type, p_body,
                                 p_ai_agent_id => p_agent_id, p_payload => p_payload) q;
    exception when sqlstate 'MM002' then
        outcome := 'window_closed';
        return;
    end;
    outcome := case when v_created then 'sent' else 'duplicate' end;
end
$$;

-- The agent's send_template tool: one of the project's approved templates for the conversation's number, by name and
-- language, with its variables, through chat.send_template (the same checks a person's send passes: approval, the
-- number's WABA, consent and re-engagement pre-flight, every variable present) and under the same guards as ai_send.
-- Outcomes: sent, duplicate, lost_lease, not_active, person_lock, or the refusal the model is told (template_not_found,
-- template_not_approved, template_account_mismatch, template_variable_missing, preflight_failed).
create or replace function bot.ai_send_template(p_conversation_id bigint, p_worker text, p_agent_id bigint, p_client_message_id text,
                                                p_name text, p_language text, p_parameters jsonb,
                                                out outcome text, out message_id bigint, out detail text)
language plpgsql as $$
declare
    v_template_id bigint;
    v_created boolean;
begin
    outcome := bot.ai_send_refusal(p_conversation_id, p_worker);
    if outcome is not null then return; end if;
    select t.id into v_template_id
    from chat.conversations c
    join meta.accounts a on a.id = c.account_id
    join meta.templates t on t.project_id = c.project_id and t.waba_id = a.waba_id and t.name = p_name and t.status <> 'deleted'
    where c.id = p_conversation_id
    order by (t.language = p_language) desc, (split_part(t.language, '_', 1) = split_part(p_language, '_', 1)) desc, t.id
    limit 1;
    if v_template_id is null then outcome := 'template_not_found'; return; end if;
    begin
        select s.message_id, s.created into message_id, v_created
        from chat.send_template(p_conversation_id, null, p_client_message_id, v_template_id, p_parameters) s;
    exception when sqlstate 'MM401' then outcome := 'template_not_found'; return;
              when sqlstate 'MM402' then outcome := 'template_not_approved'; return;
              when sqlstate 'MM403' then outcome := 'template_account_mismatch'; return;
              when sqlstate 'MM404' then outcome := 'template_variable_missing'; detail := sqlerrm; return;
              when sqlstate 'MM405' then outcome := 'preflight_failed'; detail := sqlerrm; return;
    end;
    if v_created then
        update chat.messages set sent_by_ai_agent_id = p_agent_id where id = message_id;
        outcome := 'sent';
    else
        outcome := 'duplicate';
    end if;
end
$$;

-- The agent's classify tool: the conversation under one of the project's active labels, with the model's confidence,
-- kept beside the classifications made by jobs (classify.results; the latest is the conversation's) and pushed to the
-- consoles. Null when the label is not one of the project's active labels.
create or replace function bot.ai_classify(p_conversation_id bigint, p_label text, p_confidence numeric, p_turn_id bigint)
returns bigint
language plpgsql as $$
declare
    v_project bigint;
    v_label bigint;
    v_id bigint;
begin
    select c.project_id, l.id into v_project, v_label
    from chat.conversations c
    join classify.labels l on l.project_id = c.project_id and l.name = p_label and l.active
    where c.id = p_conversation_id;
    if v_label is null then return null; end if;
    insert into classify.results (project_id, conversation_id, label_id, confidence, turn_id)
    values (v_project, p_conversation_id, v_label, least(greatest(coalesce(p_confidence, 0), 0), 1), p_turn_id)
    returning id into v_id;
    perform ops.emit_change(v_project, 'ai_changed', p_conversation_id, null, jsonb_build_object('classification', p_label));
    return v_id;
end
$$;

-- The agent hands the conversation to people: the customer has been told (the caller sent the rule's message first),
-- the state says why, and the conversation goes to the handoff queue (unassigned, so auto-assignment picks it up) or
-- stays in its queue. A handoff is never silent (chatwoot #13881) and never a magic string (#13178).
create or replace function bot.ai_hand_off(p_conversation_id bigint, p_worker text, p_reason text, p_queue_id bigint)
returns text
language plpgsql as $$
declare
    v_ai bot.ai_conversations;
    v_queue bigint;
begin
    select * into v_ai from bot.ai_conversations where conversation_id = p_conversation_id for update;
    if v_ai.locked_by is distinct from p_worker then return 'lost_lease'; end if;
    if v_ai.state not in ('active', 'waiting') then return 'not_active'; end if;
    update bot.ai_conversations
    set state = 'handed_off', state_reason = p_reason, state_changed_at = now(), state_changed_by = null, due_at = null,
        updated_at = now()
    where conversation_id = p_conversation_id;
    insert into ops.handoff_log (project_id, conversation_id, source, reason, ai_agent_id)
    values (v_ai.project_id, p_conversation_id, 'ai', coalesce(p_reason, 'other'), v_ai.agent_id);
    -- A flow activated for "ai_handoff" on this account takes the conversation instead of people.
    if bot.flow_start_after_ai(p_conversation_id) then
        perform ops.emit_change(v_ai.project_id, 'ai_changed', p_conversation_id, null,
                                jsonb_build_object('state', 'handed_off', 'reason', p_reason));
        return 'handed_off';
    end if;
    select queue_id into v_queue from chat.conversations where id = p_conversation_id;
    if p_queue_id is not null and p_queue_id is distinct from v_queue
       and exists (select 1 from core.queues q where q.id = p_queue_id and q.project_id = v_ai.project_id) then
        perform chat.transfer(p_conversation_id, p_queue_id, null, null);
    end if;
    perform ops.emit_change(v_ai.project_id, 'ai_changed', p_conversation_id, null,
                            jsonb_build_object('state', 'handed_off', 'reason', p_reason));
    -- People's work now: assignment runs at once (auto_assign skips conversations a bot is working).
    perform pg_notify('assignment', '');
    return 'handed_off';
end
$$;

-- The agent resolves the conversation (the episode ends through chat.set_status → bot.end_episode).
create or replace function bot.ai_resolve(p_conversation_id bigint, p_worker text) returns text
language plpgsql as $$
declare
    v_ai bot.ai_conversations;
begin
    select * into v_ai from bot.ai_conversations where conversation_id = p_conversation_id for update;
    if v_ai.locked_by is distinct from p_worker then return 'lost_lease'; end if;
    if v_ai.state not in ('active', 'waiting') then return 'not_active'; end if;
    perform chat.set_status(p_conversation_id, 'resolved', null);
    return 'resolved';
end
$$;

-- The agent asked the customer whether they want the assistant or a person (activation "ask"), or is waiting for a
-- person to approve a risky tool: state waiting with that reason; back to active when the customer chose the agent.
create or replace function bot.ai_set_waiting(p_conversation_id bigint, p_worker text, p_state text, p_reason text) returns text
language plpgsql as $$
declare
    v_ai bot.ai_conversations;
begin
    select * into v_ai from bot.ai_conversations where conversation_id = p_conversation_id for update;
    if v_ai.locked_by is distinct from p_worker then return 'lost_lease'; end if;
    if v_ai.state not in ('active', 'waiting') then return 'not_active'; end if;
    if v_ai.state = p_state and v_ai.state_reason is not distinct from p_reason then return 'unchanged'; end if;
    update bot.ai_conversations
    set state = p_state, state_reason = p_reason, state_changed_at = now(), state_changed_by = null, updated_at = now()
    where conversation_id = p_conversation_id;
    perform ops.emit_change(v_ai.project_id, 'ai_changed', p_conversation_id, null,
                            jsonb_build_object('state', p_state, 'reason', p_reason));
    return p_state;
end
$$;

-- A risky tool call waits for a person: recorded as pending, the conversation waits (the decision wakes it).
create or replace function bot.ai_request_approval(p_conversation_id bigint, p_worker text, p_turn_id bigint, p_tool text,
                                                   p_arguments jsonb) returns bigint
language plpgsql as $$
declare
    v_ai bot.ai_conversations;
    v_id bigint;
begin
    select * into v_ai from bot.ai_conversations where conversation_id = p_conversation_id for update;
    if v_ai.locked_by is distinct from p_worker or v_ai.state not in ('active', 'waiting') then return null; end if;
    select id into v_id from bot.ai_tool_approvals
    where conversation_id = p_conversation_id and tool = p_tool and arguments = p_arguments and status = 'pending';
    if v_id is null then
        insert into bot.ai_tool_approvals (project_id, conversation_id, turn_id, tool, arguments)
        values (v_ai.project_id, p_conversation_id, p_turn_id, p_tool, p_arguments)
        returning id into v_id;
    end if;
    update bot.ai_conversations
    set state = 'waiting', state_reason = 'approval', state_changed_at = now(), state_changed_by = null, updated_at = now()
    where conversation_id = p_conversation_id;
    perform ops.emit_change(v_ai.project_id, 'ai_changed', p_conversation_id, null,
                            jsonb_build_object('state', 'waiting', 'reason', 'approval', 'approvalId', v_id));
    return v_id;
end
$$;

-- Approved and rejected tool calls the agent has not acted on yet (the decision woke the conversation).
create or replace function bot.ai_decided_approvals(p_conversation_id bigint)
returns table (id bigint, tool text, arguments jsonb, status text)
language sql stable as $$
    select a.id, a.tool, a.arguments, a.status from bot.ai_tool_approvals a
    where a.conversation_id = p_conversation_id and a.status in ('approved', 'rejected') and a.result is null
    order by a.id
$$;

create or replace function bot.ai_approval_done(p_approval_id bigint, p_status text, p_result jsonb) returns void
language sql as $$
    update bot.ai_tool_approvals set status = p_status, result = p_result where id = p_approval_id
$$;

-- The end of a run: the lease is released, the measures and turn count saved; a run that failed comes back after
-- p_retry_ms (null: only when the customer writes again). New customer messages during the run set due_at again, so
-- they are answered by the next run.
create or replace function bot.ai_finish(p_conversation_id bigint, p_worker text, p_last_answered_message_id bigint,
                                         p_measures jsonb, p_turns int, p_error text, p_retry_ms int) returns boolean
language plpgsql as $$
declare
    v_project bigint;
    v_changed boolean;
begin
    -- Not flushed before it returns either (see bot.ai_send): a crash that lost it leaves the lease to run out and the
    -- turn to be redone, whose replies are then duplicates of its client ids and not sent again.
    set local synchronous_commit = off;
    update bot.ai_conversations a
    set locked_by = null, locked_until = null,
        last_answered_message_id = coalesce(p_last_answered_message_id, a.last_answered_message_id),
        measures = a.measures || coalesce(p_measures, '{}'),
        turns = a.turns + coalesce(p_turns, 0),
        attempt_count = case when p_error is null then 0 else a.attempt_count end,
        last_error = p_error,
        due_at = case when p_retry_ms is not null and a.state in ('active', 'waiting')
                      then least(coalesce(nullif(a.due_at, a.locked_until), 'infinity'), now() + make_interval(secs => p_retry_ms / 1000.0))
                      else nullif(a.due_at, a.locked_until) end,
        updated_at = now()
    from (select measures from bot.ai_conversations where conversation_id = p_conversation_id) was
    where a.conversation_id = p_conversation_id and a.locked_by = p_worker
    -- Pushed to the consoles only when a measure is new or changed: every push is a notifying commit, and PostgreSQL
    -- runs those one at a time across the whole database (docs/ai-agents.md, "What limits a turn").
    returning a.project_id, not (was.measures @> coalesce(p_measures, '{}')) into v_project, v_changed;
    if v_project is null then return false; end if;
    if v_changed then
        perform ops.emit_change(v_project, 'ai_changed', p_conversation_id, null, jsonb_build_object('measures', p_measures));
    end if;
    return true;
end
$$;

-- One model call, audited, and the project's spend for its day. Returns whether the day's budget is now spent; the
-- first time it is, an alert goes to the consoles.
create or replace function bot.ai_record_turn(p_project_id bigint, p_conversation_id bigint, p_agent_id bigint, p_version_id bigint,
                                              p_purpose text, p_model text, p_tokens_in int, p_tokens_out int, p_model_ms int,
                                              p_overhead_ms int, p_cost_usd numeric, p_priced boolean, p_action text,
                                              p_confidence numeric, p_envelope jsonb, p_tool_calls jsonb, p_citations jsonb,
                                              p_message_ids bigint[], p_repaired boolean, p_error text,
                                              out turn_id bigint, out budget_spent boolean)
language plpgsql as $$
declare
    v_day date;
    v_budget numeric;
    v_usage bot.ai_usage_daily;
begin
    -- The audit commits without waiting for its WAL flush (docs/ai-agents.md, "What limits a turn"): the day's usage row
    -- is then locked for microseconds instead of a disk flush, so a project's model calls stop queueing on it. Nothing
    -- is lost that matters: the run's next write (its send, bot.ai_finish) commits synchronously and so flushes this
    -- record with it; only a server crash in between could lose it, and that run is then claimed again and redone.
    set local synchronous_commit = off;
    insert into bot.ai_turns (project_id, conversation_id, agent_id, version_id, purpose, model, tokens_in, tokens_out, model_ms,
                              overhead_ms, cost_usd, priced, action, confidence, envelope, tool_calls, citations, message_ids,
                              repaired, error)
    values (p_project_id, p_conversation_id, p_agent_id, p_version_id, p_purpose, p_model, p_tokens_in, p_tokens_out, p_model_ms,
            p_overhead_ms, p_cost_usd, p_priced, p_action, least(greatest(p_confidence, 0), 1), p_envelope,
            coalesce(p_tool_calls, '[]'), coalesce(p_citations, '[]'), coalesce(p_message_ids, '{}'), p_repaired, p_error)
    returning id into turn_id;

    select (now() at time zone p.time_zone)::date, pr.daily_budget_usd into v_day, v_budget
    from core.projects p left join bot.ai_providers pr on pr.project_id = p.id where p.id = p_project_id;
    insert into bot.ai_usage_daily as u (project_id, day, cost_usd, tokens_in, tokens_out, turns)
    values (p_project_id, v_day, p_cost_usd, p_tokens_in, p_tokens_out, 1)
    on conflict (project_id, day) do update
        set cost_usd = u.cost_usd + excluded.cost_usd, tokens_in = u.tokens_in + excluded.tokens_in,
            tokens_out = u.tokens_out + excluded.tokens_out, turns = u.turns + 1
    returning * into v_usage;
    budget_spent := v_budget is not null and v_usage.cost_usd >= v_budget;
    if budget_spent and v_usage.budget_alerted_at is null then
        update bot.ai_usage_daily set budget_alerted_at = now() where project_id = p_project_id and day = v_day;
        perform ops.emit_change(p_project_id, 'ai_budget_spent', null, null,
                                jsonb_build_object('day', v_day, 'costUsd', v_usage.cost_usd, 'budgetUsd', v_budget));
    end if;
end
$$;

-- The project's provider as the Worker needs it, and whether today's budget is already spent.
create or replace function bot.ai_provider_for(p_project_id bigint)
returns table (base_url text, api_key_enc bytea, chat_model text, vision_model text, transcription_model text,
               embedding_model text, embedding_dimensions int, prices jsonb, enabled boolean, budget_spent boolean)
language sql stable as $$
    select pr.base_url, pr.api_key_enc, pr.chat_model, pr.vision_model, pr.transcription_model, pr.embedding_model,
           pr.embedding_dimensions, pr.prices, pr.enabled,
           pr.daily_budget_usd is not null and coalesce((
               select u.cost_usd from bot.ai_usage_daily u
               where u.project_id = pr.project_id and u.day = (now() at time zone p.time_zone)::date), 0) >= pr.daily_budget_usd
    from bot.ai_providers pr join core.projects p on p.id = pr.project_id
    where pr.project_id = p_project_id
$$;

-- The manual's passages for a query, by PostgreSQL full text (any word of three letters or more, prefix-matched),
-- best first; with their embeddings, so the Worker can rank by cosine too when the provider has an embedding model
-- (hybrid search, docs/ai-agents.md).
create or replace function bot.search_manual(p_agent_id bigint, p_query text, p_limit int)
returns table (chunk_id bigint, document_id bigint, document_name text, heading text, content text, rank real, embedding real[])
language sql stable as $$
    with q as (
        select to_tsquery('simple', string_agg(w || ':*', ' | ')) as tsq
        from (select distinct lower(w) as w from regexp_split_to_table(coalesce(p_query, ''), '[^[:alnum:]]+') w
              where length(w) >= 3 limit 32) words
    )
    select c.id, c.document_id, d.name, c.heading, c.content, ts_rank(c.searchable, q.tsq), c.embedding
    from q
    join bot.ai_chunks c on c.searchable @@ q.tsq
    join bot.ai_documents d on d.id = c.document_id
    where c.agent_id = p_agent_id and q.tsq is not null
    order by ts_rank(c.searchable, q.tsq) desc, c.id
    limit p_limit
$$;

-- Chunks of an agent's manual that have embeddings, for cosine ranking when full text finds too little (an agent's
-- manual is hundreds to a few thousand chunks: read once per turn, bounded by p_limit).
create or replace function bot.manual_embeddings(p_agent_id bigint, p_limit int)
returns table (chunk_id bigint, document_id bigint, document_name text, heading text, content text, embedding real[])
language sql stable as $$
    select c.id, c.document_id, d.name, c.heading, c.content, c.embedding
    from bot.ai_chunks c join bot.ai_documents d on d.id = c.document_id
    where c.agent_id = p_agent_id and c.embedding is not null
    order by c.id
    limit p_limit
$$;

-- What a run did, on its last model call's audit row (p_turn_id), or on a row of its own when no model was called (a
-- keyword or turn-count handoff, no provider, the budget spent): not a model call, so not counted in the day's usage.
create or replace function bot.ai_record_action(p_turn_id bigint, p_project_id bigint, p_conversation_id bigint, p_agent_id bigint,
                                                p_version_id bigint, p_action text, p_confidence numeric, p_envelope jsonb,
                                                p_tool_calls jsonb, p_citations jsonb, p_message_ids bigint[], p_repaired boolean,
                                                p_error text, p_overhead_ms int) returns bigint
language plpgsql as $$
declare
    v_id bigint;
begin
    -- As bot.ai_record_turn: flushed by the run's bot.ai_finish, which follows it.
    set local synchronous_commit = off;
    if p_turn_id is not null then
        update bot.ai_turns
        set action = p_action, confidence = least(greatest(p_confidence, 0), 1), envelope = coalesce(p_envelope, envelope),
            tool_calls = coalesce(p_tool_calls, tool_calls), citations = coalesce(p_citations, citations),
            message_ids = coalesce(p_message_ids, message_ids), repaired = p_repaired, error = coalesce(p_error, error),
            overhead_ms = p_overhead_ms
        where id = p_turn_id and conversation_id = p_conversation_id
        returning id into v_id;
        if v_id is not null then return v_id; end if;
    end if;
    insert into bot.ai_turns (project_id, conversation_id, agent_id, version_id, purpose, model, overhead_ms, action, confidence,
                              envelope, tool_calls, citations, message_ids, repaired, error)
    values (p_project_id, p_conversation_id, p_agent_id, p_version_id, 'agent', 'rules', p_overhead_ms, p_action,
            least(greatest(p_confidence, 0), 1), p_envelope, coalesce(p_tool_calls, '[]'), coalesce(p_citations, '[]'),
            coalesce(p_message_ids, '{}'), p_repaired, p_error)
    returning id into v_id;
    return v_id;
end
$$;
