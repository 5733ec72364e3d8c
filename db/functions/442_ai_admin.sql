-- AI configuration and control from the console (issue 14; the Worker's side is 440_ai_runtime.sql). The Core API
-- checks the agent document (CoreApi/Ai/AgentDefinitionRules.cs) and encrypts secrets (they arrive as v2 envelopes and
-- never leave through these functions); the functions keep what only the database can: tenancy, draft revisions,
-- version numbers, one decision per approval. Every configuring write records itself in the command log, secrets as
-- "set"/"removed", never a value. Refusals are codes the console translates.

-- ── Provider ────────────────────────────────────────────────────────────────────────────────────────────────

-- What the command log keeps of a provider: everything but the key, of which only whether there is one.
create or replace function bot.ai_provider_json(p bot.ai_providers) returns jsonb
language sql immutable as $$
    select case when p.project_id is null then null else jsonb_build_object(
        'baseUrl', p.base_url, 'hasApiKey', p.api_key_enc is not null, 'chatModel', p.chat_model, 'visionModel', p.vision_model,
        'transcriptionModel', p.transcription_model, 'embeddingModel', p.embedding_model,
        'embeddingDimensions', p.embedding_dimensions, 'prices', p.prices, 'dailyBudgetUsd', p.daily_budget_usd,
        'enabled', p.enabled) end
$$;

-- The provider as the console shows it, with the usage of the project's day (its time zone). No row: not configured.
create or replace function bot.ai_provider_settings(p_project_id bigint)
returns table (base_url text, has_api_key boolean, chat_model text, vision_model text, transcription_model text, embedding_model text,
               embedding_dimensions int, prices text, daily_budget_usd numeric, enabled boolean, updated_at timestamptz,
               day date, cost_usd numeric, tokens_in bigint, tokens_out bigint, turns int)
language sql stable as $$
    select pr.base_url, pr.api_key_enc is not null, pr.chat_model, pr.vision_model, pr.transcription_model, pr.embedding_model,
           pr.embedding_dimensions, pr.prices::text, pr.daily_budget_usd, pr.enabled, pr.updated_at,
           d.day, coalesce(u.cost_usd, 0), coalesce(u.tokens_in, 0), coalesce(u.tokens_out, 0), coalesce(u.turns, 0)
    from bot.ai_providers pr
    join core.projects p on p.id = pr.project_id
    cross join lateral (select (now() at time zone p.time_zone)::date as day) d
    left join bot.ai_usage_daily u on u.project_id = pr.project_id and u.day = d.day
    where pr.project_id = p_project_id
$$;

-- Saves the whole provider. p_api_key: keep (the stored key stays), set (p_api_key_enc replaces it) or remove.
create or replace function bot.set_ai_provider(p_project_id bigint, p_base_url text, p_api_key text, p_api_key_enc bytea,
                                               p_chat_model text, p_vision_model text, p_transcription_model text,
                                               p_embedding_model text, p_embedding_dimensions int, p_prices jsonb,
                                               p_daily_budget_usd numeric, p_enabled boolean, p_user_id bigint) returns void
language plpgsql as $$
declare
    v_before bot.ai_providers;
    v_after bot.ai_providers;
begin
    select * into v_before from bot.ai_providers where project_id = p_project_id for update;
    insert into bot.ai_providers as pr (project_id, base_url, api_key_enc, chat_model, vision_model, transcription_model, embedding_model,
                                        embedding_dimensions, prices, daily_budget_usd, enabled, updated_by)
    values (p_project_id, p_base_url, case when p_api_key = 'set' then p_api_key_enc end, p_chat_model, p_vision_model,
            p_transcription_model, p_embedding_model, p_embedding_dimensions, p_prices, p_daily_budget_usd, p_enabled, p_user_id)
    on conflict (project_id) do update
        set base_url = excluded.base_url,
            api_key_enc = case p_api_key when 'keep' then pr.api_key_enc when 'set' then p_api_key_enc end,
            chat_model = excluded.chat_model, vision_model = excluded.vision_model, transcription_model = excluded.transcription_model,
            embedding_model = excluded.embedding_model, embedding_dimensions = excluded.embedding_dimensions, prices = excluded.prices,
            daily_budget_usd = excluded.daily_budget_usd, enabled = excluded.enabled, updated_at = now(), updated_by = p_user_id
    returning * into v_after;
    perform ops.record_command(p_project_id, p_user_id, 'ai_provider.update', 'ai_provider', p_project_id::text,
                               bot.ai_provider_json(v_before),
                               bot.ai_provider_json(v_after) || case p_api_key when 'set' then '{"apiKey": "set"}'::jsonb
                                                                               when 'remove' then '{"apiKey": "removed"}'::jsonb
                                                                               else '{}'::jsonb end);
end
$$;

-- ── Agents ──────────────────────────────────────────────────────────────────────────────────────────────────

create or replace function bot.ai_agent_json(p bot.ai_agents) returns jsonb
language sql immutable as $$
    select case when p.id is null then null else jsonb_build_object(
        'name', p.name, 'draftRevision', p.draft_revision, 'draft', p.draft, 'publishedVersionId', p.published_version_id,
        'archived', p.archived_at is not null) end
$$;

-- The agent's project (null: no such agent), for the routes below an agent.
create or replace function bot.ai_agent_scope(p_agent_id bigint) returns bigint
language sql stable as $$
    select project_id from bot.ai_agents where id = p_agent_id
$$;

create or replace function bot.ai_agent_list(p_project_id bigint)
returns table (id bigint, name text, draft_revision int, published_version int, published_at timestamptz, archived boolean,
               updated_at timestamptz)
language sql stable as $$
    select a.id, a.name, a.draft_revision, v.version, v.published_at, a.archived_at is not null, a.updated_at
    from bot.ai_agents a
    left join bot.ai_agent_versions v on v.id = a.published_version_id
    where a.project_id = p_project_id
    order by a.archived_at is not null, a.name, a.id
$$;

-- tools_with_secret: the custom tools whose secret is set (never the secret).
create or replace function bot.ai_agent_detail(p_project_id bigint, p_agent_id bigint)
returns table (id bigint, name text, draft_revision int, draft text, published_version int, published text, published_at timestamptz,
               archived boolean, tools_with_secret text[])
language sql stable as $$
    select a.id, a.name, a.draft_revision, a.draft::text, v.version, v.definition::text, v.published_at, a.archived_at is not null,
           coalesce((select array_agg(s.tool order by s.tool) from bot.ai_tool_secrets s where s.agent_id = a.id), '{}')
    from bot.ai_agents a
    left join bot.ai_agent_versions v on v.id = a.published_version_id
    where a.id = p_agent_id and a.project_id = p_project_id
$$;

-- refusal: name_taken (another agent of the project has the name).
create or replace function bot.create_ai_agent(p_project_id bigint, p_name text, p_draft jsonb, p_user_id bigint,
                                               out agent_id bigint, out refusal text)
language plpgsql as $$
declare
    v_row bot.ai_agents;
begin
    insert into bot.ai_agents (project_id, name, draft, created_by)
    values (p_project_id, p_name, p_draft, p_user_id)
    on conflict (project_id, name) do nothing
    returning * into v_row;
    if v_row.id is null then refusal := 'name_taken'; return; end if;
    agent_id := v_row.id;
    perform ops.record_command(p_project_id, p_user_id, 'ai_agent.create', 'ai_agent', v_row.id::text, null, bot.ai_agent_json(v_row));
end
$$;

-- Saves the draft over the revision the editor started from (p_revision): refusals not_found, agent_archived,
-- draft_conflict (someone saved since: the editor reloads rather than overwrite), name_taken. p_name or p_draft null
-- keeps it.
create or replace function bot.save_ai_agent_draft(p_project_id bigint, p_agent_id bigint, p_name text, p_draft jsonb, p_revision int,
                                                   p_user_id bigint) returns text
language plpgsql as $$
declare
    v_before bot.ai_agents;
    v_after bot.ai_agents;
begin
    select * into v_before from bot.ai_agents where id = p_agent_id and project_id = p_project_id for update;
    if v_before.id is null then return 'not_found'; end if;
    if v_before.archived_at is not null then return 'agent_archived'; end if;
    if v_before.draft_revision <> p_revision then return 'draft_conflict'; end if;
    if p_name is not null and p_name <> v_before.name
       and exists (select 1 from bot.ai_agents where project_id = p_project_id and name = p_name) then
        return 'name_taken';
    end if;
    update bot.ai_agents
    set name = coalesce(p_name, name), draft = coalesce(p_draft, draft), draft_revision = draft_revision + 1, updated_at = now()
    where id = p_agent_id
    returning * into v_after;
    perform ops.record_command(p_project_id, p_user_id, 'ai_agent.save_draft', 'ai_agent', p_agent_id::text,
                               bot.ai_agent_json(v_before), bot.ai_agent_json(v_after));
    return null;
end
$$;

-- The draft the Core API checked (p_revision: it is still that one, else draft_conflict) becomes the next version,
-- which runs from the agent's next turn. Refusals: not_found, agent_archived, draft_conflict.
create or replace function bot.publish_ai_agent(p_project_id bigint, p_agent_id bigint, p_revision int, p_user_id bigint,
                                                out version int, out refusal text)
language plpgsql as $$
declare
    v_agent bot.ai_agents;
    v_previous int;
    v_version_id bigint;
begin
    select * into v_agent from bot.ai_agents where id = p_agent_id and project_id = p_project_id for update;
    if v_agent.id is null then refusal := 'not_found'; return; end if;
    if v_agent.archived_at is not null then refusal := 'agent_archived'; return; end if;
    if v_agent.draft_revision <> p_revision then refusal := 'draft_conflict'; return; end if;
    select max(v.version) into v_previous from bot.ai_agent_versions v where v.agent_id = p_agent_id;
    version := coalesce(v_previous, 0) + 1;
    insert into bot.ai_agent_versions (project_id, agent_id, version, definition, published_by)
    values (p_project_id, p_agent_id, version, v_agent.draft, p_user_id)
    returning id into v_version_id;
    update bot.ai_agents set published_version_id = v_version_id, updated_at = now() where id = p_agent_id;
    perform ops.record_command(p_project_id, p_user_id, 'ai_agent.publish', 'ai_agent', p_agent_id::text,
                               jsonb_build_object('publishedVersion', v_previous),
                               jsonb_build_object('publishedVersion', version, 'versionId', v_version_id,
                                                  'draftRevision', v_agent.draft_revision));
end
$$;

create or replace function bot.ai_agent_versions_of(p_project_id bigint, p_agent_id bigint)
returns table (id bigint, version int, published_at timestamptz, published_by bigint, published_by_name text)
language sql stable as $$
    select v.id, v.version, v.published_at, v.published_by, u.display_name
    from bot.ai_agent_versions v
    left join core.users u on u.id = v.published_by
    where v.agent_id = p_agent_id and v.project_id = p_project_id
    order by v.version desc
$$;

-- An archived agent answers nowhere: its activations are disabled with it (conversations it holds keep their state;
-- the Worker's matcher and claim skip archived agents). False: no such agent. Archiving twice records nothing more.
create or replace function bot.archive_ai_agent(p_project_id bigint, p_agent_id bigint, p_user_id bigint) returns boolean
language plpgsql as $$
declare
    v_agent bot.ai_agents;
    v_disabled bigint[];
begin
    select * into v_agent from bot.ai_agents where id = p_agent_id and project_id = p_project_id for update;
    if v_agent.id is null then return false; end if;
    if v_agent.archived_at is not null then return true; end if;
    update bot.ai_agents set archived_at = now(), updated_at = now() where id = p_agent_id;
    with off as (update bot.ai_activations set enabled = false where agent_id = p_agent_id and enabled returning id)
    select coalesce(array_agg(id order by id), '{}') into v_disabled from off;
    perform ops.record_command(p_project_id, p_user_id, 'ai_agent.archive', 'ai_agent', p_agent_id::text,
                               jsonb_build_object('archived', false),
                               jsonb_build_object('archived', true, 'disabledActivations', to_jsonb(v_disabled)));
    return true;
end
$$;

-- A custom tool's secret (p_secret_enc null removes it). Refusals: not_found; unknown_tool (setting a secret for a
-- tool that neither the draft nor the published version has).
create or replace function bot.set_ai_tool_secret(p_project_id bigint, p_agent_id bigint, p_tool text, p_secret_enc bytea,
                                                  p_user_id bigint) returns text
language plpgsql as $$
declare
    v_agent bot.ai_agents;
begin
    select * into v_agent from bot.ai_agents where id = p_agent_id and project_id = p_project_id for update;
    if v_agent.id is null then return 'not_found'; end if;
    if p_secret_enc is null then
        delete from bot.ai_tool_secrets where agent_id = p_agent_id and tool = p_tool;
    else
        if not exists (
            select 1
            from (select v_agent.draft as d
                  union all select v.definition from bot.ai_agent_versions v where v.id = v_agent.published_version_id) defs,
                 jsonb_array_elements(coalesce(defs.d -> 'tools' -> 'custom', '[]')) t
            where t ->> 'name' = p_tool) then
            return 'unknown_tool';
        end if;
        insert into bot.ai_tool_secrets (agent_id, tool, project_id, secret_enc)
        values (p_agent_id, p_tool, p_project_id, p_secret_enc)
        on conflict (agent_id, tool) do update set secret_enc = excluded.secret_enc, updated_at = now();
    end if;
    perform ops.record_command(p_project_id, p_user_id, 'ai_agent.tool_secret', 'ai_agent', p_agent_id::text, null,
                               jsonb_build_object('tool', p_tool, 'secret', case when p_secret_enc is null then 'removed' else 'set' end));
    return null;
end
$$;

-- ── Activations and business hours ──────────────────────────────────────────────────────────────────────────

create or replace function bot.ai_activation_json(p bot.ai_activations) returns jsonb
language sql immutable as $$
    select case when p.id is null then null else jsonb_build_object(
        'agentId', p.agent_id, 'accountId', p.account_id, 'queueId', p.queue_id, 'channel', p.channel, 'hours', p.hours,
        'first', p.first, 'enabled', p.enabled) end
$$;

create or replace function bot.ai_activation_list(p_project_id bigint)
returns table (id bigint, agent_id bigint, agent_name text, account_id bigint, queue_id bigint, channel text, hours text, first text,
               enabled boolean)
language sql stable as $$
    select x.id, x.agent_id, a.name, x.account_id, x.queue_id, x.channel, x.hours, x.first, x.enabled
    from bot.ai_activations x
    join bot.ai_agents a on a.id = x.agent_id
    where x.project_id = p_project_id
    order by x.id
$$;

-- Creates (p_activation_id null) or replaces an activation. Refusals: not_found, unknown_agent, agent_archived,
-- agent_not_published (nothing would run), unknown_account, channel_mismatch (the account is on another channel),
-- unknown_queue, activation_exists (an enabled activation has the same account, queue, channel and hours: which one
-- answered would be a coin toss).
create or replace function bot.save_ai_activation(p_project_id bigint, p_activation_id bigint, p_agent_id bigint, p_account_id bigint,
                                                  p_queue_id bigint, p_channel text, p_hours text, p_first text, p_enabled boolean,
                                                  p_user_id bigint, out activation_id bigint, out refusal text)
language plpgsql as $$
declare
    v_before bot.ai_activations;
    v_after bot.ai_activations;
    v_agent bot.ai_agents;
    v_account meta.accounts;
begin
    if p_activation_id is not null then
        select * into v_before from bot.ai_activations where id = p_activation_id and project_id = p_project_id for update;
        if v_before.id is null then refusal := 'not_found'; return; end if;
    end if;
    select * into v_agent from bot.ai_agents where id = p_agent_id and project_id = p_project_id;
    if v_agent.id is null then refusal := 'unknown_agent'; return; end if;
    if v_agent.archived_at is not null then refusal := 'agent_archived'; return; end if;
    if v_agent.published_version_id is null then refusal := 'agent_not_published'; return; end if;
    if p_account_id is not null then
        select * into v_account from meta.accounts where id = p_account_id and project_id = p_project_id and status <> 'disconnected';
        if v_account.id is null then refusal := 'unknown_account'; return; end if;
        if p_channel is not null and p_channel <> v_account.channel then refusal := 'channel_mismatch'; return; end if;
    end if;
    if p_queue_id is not null and not exists (select 1 from core.queues where id = p_queue_id and project_id = p_project_id) then
        refusal := 'unknown_queue'; return;
    end if;
    if p_enabled and exists (
        select 1 from bot.ai_activations x
        where x.project_id = p_project_id and x.enabled and x.id is distinct from p_activation_id
          and x.account_id is not distinct from p_account_id and x.queue_id is not distinct from p_queue_id
          and x.channel is not distinct from p_channel and x.hours = p_hours) then
        refusal := 'activation_exists'; return;
    end if;
    if p_activation_id is null then
        insert into bot.ai_activations (project_id, agent_id, account_id, queue_id, channel, hours, first, enabled)
        values (p_project_id, p_agent_id, p_account_id, p_queue_id, p_channel, p_hours, p_first, p_enabled)
        returning * into v_after;
    else
        update bot.ai_activations
        set agent_id = p_agent_id, account_id = p_account_id, queue_id = p_queue_id, channel = p_channel, hours = p_hours,
            first = p_first, enabled = p_enabled
        where id = p_activation_id
        returning * into v_after;
    end if;
    activation_id := v_after.id;
    perform ops.record_command(p_project_id, p_user_id, case when p_activation_id is null then 'ai_activation.create' else 'ai_activation.update' end,
                               'ai_activation', v_after.id::text, bot.ai_activation_json(v_before), bot.ai_activation_json(v_after));
end
$$;

create or replace function bot.delete_ai_activation(p_project_id bigint, p_activation_id bigint, p_user_id bigint) returns boolean
language plpgsql as $$
declare
    v_before bot.ai_activations;
begin
    delete from bot.ai_activations where id = p_activation_id and project_id = p_project_id returning * into v_before;
    if v_before.id is null then return false; end if;
    perform ops.record_command(p_project_id, p_user_id, 'ai_activation.delete', 'ai_activation', p_activation_id::text,
                               bot.ai_activation_json(v_before), null);
    return true;
end
$$;

-- The project's business hours ({"mon": [["09:00", "18:00"]], …}; null: always open), checked by the Core API.
create or replace function core.business_hours(p_project_id bigint) returns text
language sql stable as $$
    select business_hours::text from core.projects where id = p_project_id
$$;

create or replace function core.set_business_hours(p_project_id bigint, p_hours jsonb, p_user_id bigint) returns void
language plpgsql as $$
declare
    v_before jsonb := (select business_hours from core.projects where id = p_project_id);
begin
    update core.projects set business_hours = p_hours where id = p_project_id;
    perform ops.record_command(p_project_id, p_user_id, 'business_hours.update', 'project', p_project_id::text,
                               jsonb_build_object('businessHours', v_before), jsonb_build_object('businessHours', p_hours));
end
$$;

-- ── A conversation's AI, as people see and set it ───────────────────────────────────────────────────────────

create or replace function bot.conversation_ai(p_conversation_id bigint)
returns table (state text, reason text, agent_id bigint, agent_name text, turns int, measures text, changed_at timestamptz,
               changed_by_name text)
language sql stable as $$
    select c.state, c.state_reason, c.agent_id, a.name, c.turns, c.measures::text, c.state_changed_at, u.display_name
    from bot.ai_conversations c
    join bot.ai_agents a on a.id = c.agent_id
    left join core.users u on u.id = c.state_changed_by
    where c.conversation_id = p_conversation_id
$$;

-- A person turns the agent off (off, turned_off: pending tool calls are rejected with it) or gives the conversation back
-- (active, given_back, due now: the Worker answers the last unanswered message, with a fresh turn budget, so an agent
-- that handed over for max_turns does not hand over again at once). A conversation without AI state gets a row with
-- the agent of its matching activation: turned off, the agent will not start on the next message; given back, it
-- answers now. Returns the state (none: turned off where no agent would answer anyway) or the refusal no_agent (given
-- back where no published agent would answer).
create or replace function bot.set_conversation_ai(p_conversation_id bigint, p_state text, p_user_id bigint,
                                                   out state text, out refusal text)
language plpgsql as $$
declare
    v_ai bot.ai_conversations;
    v_project bigint;
    v_agent bigint;
    v_version bigint;
    v_reason text := case p_state when 'off' then 'turned_off' else 'given_back' end;
begin
    select project_id into v_project from chat.conversations where id = p_conversation_id;
    select * into v_ai from bot.ai_conversations where conversation_id = p_conversation_id for update;
    select ag.id, ag.published_version_id into v_agent, v_version from bot.ai_agents ag
    where ag.id = v_ai.agent_id and ag.published_version_id is not null and ag.archived_at is null;
    if v_agent is null then
        select m.agent_id, m.version_id into v_agent, v_version from bot.match_activations(array[p_conversation_id]) m;
    end if;
    if v_ai.conversation_id is null and v_agent is null then
        if p_state = 'off' then state := 'none'; return; end if;
        refusal := 'no_agent'; return;
    end if;
    if p_state = 'active' and v_agent is null then refusal := 'no_agent'; return; end if;

    if v_ai.conversation_id is null then
        -- A customer message may start the episode meanwhile (bot.on_inbound): the person's choice wins.
        insert into bot.ai_conversations as a (conversation_id, project_id, agent_id, version_id, state, state_reason, state_changed_by, due_at)
        values (p_conversation_id, v_project, v_agent, v_version, p_state, v_reason, p_user_id, case when p_state = 'active' then now() end)
        on conflict (conversation_id) do update
            set state = excluded.state, state_reason = excluded.state_reason, state_changed_at = now(),
                state_changed_by = excluded.state_changed_by, due_at = excluded.due_at, updated_at = now();
    else
        update bot.ai_conversations a
        set agent_id = coalesce(v_agent, a.agent_id), version_id = coalesce(v_version, a.version_id), state = p_state,
            state_reason = v_reason, state_changed_at = now(), state_changed_by = p_user_id,
            due_at = case when p_state = 'active' then now() end,
            turns = case when p_state = 'active' then 0 else a.turns end,
            attempt_count = case when p_state = 'active' then 0 else a.attempt_count end,
            last_error = case when p_state = 'active' then null else a.last_error end, updated_at = now()
        where a.conversation_id = p_conversation_id;
    end if;
    if p_state = 'off' then
        update bot.ai_tool_approvals set status = 'rejected', decided_by = p_user_id, decided_at = now(),
            result = jsonb_build_object('reason', v_reason)
        where conversation_id = p_conversation_id and status = 'pending';
    end if;
    perform ops.emit_change(v_project, 'ai_changed', p_conversation_id, null,
                            jsonb_build_object('state', p_state, 'reason', v_reason, 'userId', p_user_id));
    state := p_state;
end
$$;

-- ── Tool approvals ──────────────────────────────────────────────────────────────────────────────────────────

-- A project's approvals (p_status null: any), newest first, with the conversation's queue and assignee so the Core API
-- shows each person only those of conversations they may see. p_conversation_id narrows to one conversation.
create or replace function bot.ai_approvals(p_project_id bigint, p_status text, p_conversation_id bigint, p_limit int)
returns table (id bigint, conversation_id bigint, tool text, arguments text, status text, requested_at timestamptz,
               decided_by_name text, decided_at timestamptz, result text, note text, queue_id bigint, assigned_user_id bigint)
language sql stable as $$
    select t.id, t.conversation_id, t.tool, t.arguments::text, t.status, t.requested_at, u.display_name, t.decided_at, t.result::text,
           t.decision_note, c.queue_id, c.assigned_user_id
    from bot.ai_tool_approvals t
    join chat.conversations c on c.id = t.conversation_id
    left join core.users u on u.id = t.decided_by
    where t.project_id = p_project_id and (p_status is null or t.status = p_status)
      and (p_conversation_id is null or t.conversation_id = p_conversation_id)
    order by t.id desc
    limit p_limit
$$;

-- Where an approval is: its project and its conversation's queue and assignee (visibility is the Core API's rule).
create or replace function bot.ai_approval_scope(p_approval_id bigint)
returns table (project_id bigint, conversation_id bigint, queue_id bigint, assigned_user_id bigint)
language sql stable as $$
    select t.project_id, t.conversation_id, c.queue_id, c.assigned_user_id
    from bot.ai_tool_approvals t join chat.conversations c on c.id = t.conversation_id
    where t.id = p_approval_id
$$;

-- A person's decision, once: refusals not_found, approval_decided (decided already, by someone else or by the agent
-- stopping). The conversation is due at once, so the Worker acts on it (bot.ai_decided_approvals).
create or replace function bot.decide_ai_tool(p_project_id bigint, p_approval_id bigint, p_approve boolean, p_note text,
                                              p_user_id bigint) returns text
language plpgsql as $$
declare
    v_row bot.ai_tool_approvals;
    v_status text := case when p_approve then 'approved' else 'rejected' end;
begin
    select * into v_row from bot.ai_tool_approvals where id = p_approval_id and project_id = p_project_id for update;
    if v_row.id is null then return 'not_found'; end if;
    if v_row.status <> 'pending' then return 'approval_decided'; end if;
    update bot.ai_tool_approvals set status = v_status, decided_by = p_user_id, decided_at = now(), decision_note = p_note
    where id = p_approval_id;
    update bot.ai_conversations set due_at = now(), updated_at = now() where conversation_id = v_row.conversation_id;
    perform ops.emit_change(p_project_id, 'ai_changed', v_row.conversation_id, null,
                            jsonb_build_object('approvalId', p_approval_id, 'approval', v_status, 'userId', p_user_id));
    return null;
end
$$;

-- ── Audit ───────────────────────────────────────────────────────────────────────────────────────────────────

-- Model turns, newest first: one conversation's (p_conversation_id) or the project's between p_from and p_to,
-- keyset-paged by id (p_before_id: the last id of the previous page).
create or replace function bot.ai_turn_list(p_project_id bigint, p_conversation_id bigint, p_from timestamptz, p_to timestamptz,
                                            p_before_id bigint, p_limit int)
returns table (id bigint, conversation_id bigint, purpose text, model text, started_at timestamptz, tokens_in int, tokens_out int,
               model_ms int, overhead_ms int, cost_usd numeric, priced boolean, action text, confidence numeric, envelope text,
               tool_calls text, citations text, repaired boolean, error text)
language sql stable as $$
    select t.id, t.conversation_id, t.purpose, t.model, t.started_at, t.tokens_in, t.tokens_out, t.model_ms, t.overhead_ms, t.cost_usd,
           t.priced, t.action, t.confidence, t.envelope::text, t.tool_calls::text, t.citations::text, t.repaired, t.error
    from bot.ai_turns t
    where t.project_id = p_project_id
      and (p_conversation_id is null or t.conversation_id = p_conversation_id)
      and (p_from is null or t.started_at >= p_from)
      and (p_to is null or t.started_at < p_to)
      and (p_before_id is null or t.id < p_before_id)
    order by t.id desc
    limit p_limit
$$;

-- ── The manual's documents ──────────────────────────────────────────────────────────────────────────────────

create or replace function bot.ai_document_list(p_project_id bigint, p_agent_id bigint)
returns table (id bigint, name text, content_type text, size_bytes bigint, status text, error text, chunk_count int,
               uploaded_at timestamptz)
language sql stable as $$
    select d.id, d.name, d.content_type, d.size_bytes, d.status, d.error, d.chunk_count, d.uploaded_at
    from bot.ai_documents d
    where d.agent_id = p_agent_id and d.project_id = p_project_id
    order by d.id desc
$$;

-- A document for the Worker to extract and chunk (pending). The same bytes twice on one agent are stored once:
-- created false and the existing row's id. Refusals: not_found, agent_archived.
create or replace function bot.add_ai_document(p_project_id bigint, p_agent_id bigint, p_name text, p_content_type text,
                                               p_sha256 text, p_content bytea, p_user_id bigint,
                                               out document_id bigint, out created boolean, out refusal text)
language plpgsql as $$
declare
    v_agent bot.ai_agents;
begin
    select * into v_agent from bot.ai_agents where id = p_agent_id and project_id = p_project_id;
    if v_agent.id is null then refusal := 'not_found'; return; end if;
    if v_agent.archived_at is not null then refusal := 'agent_archived'; return; end if;
    insert into bot.ai_documents (project_id, agent_id, name, content_type, size_bytes, sha256, content, uploaded_by)
    values (p_project_id, p_agent_id, p_name, p_content_type, length(p_content), p_sha256, p_content, p_user_id)
    on conflict (agent_id, sha256) do nothing
    returning id into document_id;
    created := document_id is not null;
    if not created then
        select d.id into document_id from bot.ai_documents d where d.agent_id = p_agent_id and d.sha256 = p_sha256;
        return;
    end if;
    perform ops.record_command(p_project_id, p_user_id, 'ai_document.add', 'ai_agent', p_agent_id::text, null,
                               jsonb_build_object('documentId', document_id, 'name', p_name, 'contentType', p_content_type,
                                                  'sizeBytes', length(p_content), 'sha256', p_sha256));
end
$$;

-- The document and its chunks (the agent stops finding them at once). False: no such document on this agent.
create or replace function bot.delete_ai_document(p_project_id bigint, p_agent_id bigint, p_document_id bigint, p_user_id bigint)
returns boolean
language plpgsql as $$
declare
    v_name text;
begin
    delete from bot.ai_chunks where document_id = p_document_id and agent_id = p_agent_id and project_id = p_project_id;
    delete from bot.ai_documents where id = p_document_id and agent_id = p_agent_id and project_id = p_project_id
    returning name into v_name;
    if v_name is null then return false; end if;
    perform ops.record_command(p_project_id, p_user_id, 'ai_document.delete', 'ai_agent', p_agent_id::text,
                               jsonb_build_object('documentId', p_document_id, 'name', v_name), null);
    return true;
end
$$;
