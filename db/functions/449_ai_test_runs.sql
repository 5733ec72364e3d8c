-- The agent editor's test chat (0035_ai_test_runs.sql): asked for by the Core API, answered by the Worker's test-run
-- loop under a lease, read back by the editor.

-- Refusals: not_found (no such agent in the project), agent_archived, agent_not_published (the published version was
-- asked for and there is none). The run is a write of an admin's (it spends the project's AI budget): it is logged.
create or replace function bot.request_ai_test_run(p_project_id bigint, p_agent_id bigint, p_use_published boolean, p_messages jsonb,
                                                   p_user_id bigint, out run_id bigint, out refusal text)
language plpgsql as $$
declare
    v_agent bot.ai_agents;
    v_definition jsonb;
    v_version_id bigint;
begin
    select * into v_agent from bot.ai_agents where id = p_agent_id and project_id = p_project_id;
    if v_agent.id is null then refusal := 'not_found'; return; end if;
    if v_agent.archived_at is not null then refusal := 'agent_archived'; return; end if;
    if p_use_published then
        select v.id, v.definition into v_version_id, v_definition from bot.ai_agent_versions v where v.id = v_agent.published_version_id;
        if v_version_id is null then refusal := 'agent_not_published'; return; end if;
    else
        v_definition := v_agent.draft;
    end if;
    insert into bot.ai_test_runs (project_id, agent_id, version_id, definition, messages, requested_by)
    values (p_project_id, p_agent_id, v_version_id, v_definition, p_messages, p_user_id)
    returning id into run_id;
    perform ops.record_command(p_project_id, p_user_id, 'ai_agent.test_run', 'ai_agent', p_agent_id::text, null,
                               jsonb_build_object('runId', run_id, 'published', p_use_published, 'versionId', v_version_id,
                                                  'draftRevision', case when p_use_published then null else v_agent.draft_revision end,
                                                  'messages', jsonb_array_length(p_messages)));
    perform pg_notify('ai', '');
end
$$;

create or replace function bot.ai_test_run_json(r bot.ai_test_runs) returns jsonb
language sql immutable as $$
    select jsonb_build_object('id', r.id, 'agentId', r.agent_id, 'status', r.status, 'action', r.action, 'replies', r.replies,
        'handoffReason', r.handoff_reason, 'toolCalls', r.tool_calls::text, 'measures', r.measures::text, 'citations', r.citations::text,
        'confidence', r.confidence, 'error', r.error, 'tokensIn', r.tokens_in, 'tokensOut', r.tokens_out, 'modelMs', r.model_ms,
        'createdAt', r.created_at, 'finishedAt', r.finished_at)
$$;

create or replace function bot.ai_test_run(p_project_id bigint, p_run_id bigint) returns jsonb
language sql stable as $$
    select bot.ai_test_run_json(r) from bot.ai_test_runs r where r.id = p_run_id and r.project_id = p_project_id
$$;

-- A run is tried at most three times (a Worker that died mid-run leaves its lease to expire); then it fails with the
-- reason, so the editor never waits forever.
create or replace function bot.claim_ai_test_runs(p_worker text, p_limit int, p_lease_seconds int)
returns table (id bigint, project_id bigint, agent_id bigint, version_id bigint, definition jsonb, messages jsonb, attempt_count int)
language plpgsql as $$
#variable_conflict use_column
begin
    update bot.ai_test_runs r
    set status = 'failed', error = 'the Worker running it stopped, three times', finished_at = now(), locked_by = null, locked_until = null
    where r.status = 'running' and r.locked_until < now() and r.attempt_count >= 3;
    return query
    update bot.ai_test_runs r
    set status = 'running', locked_by = p_worker, locked_until = now() + make_interval(secs => p_lease_seconds),
        attempt_count = r.attempt_count + 1
    where r.id in (select x.id from bot.ai_test_runs x
                   where x.status = 'pending' or (x.status = 'running' and x.locked_until < now())
                   order by x.created_at limit p_limit for update skip locked)
    returning r.id, r.project_id, r.agent_id, r.version_id, r.definition, r.messages, r.attempt_count;
end
$$;

create or replace function bot.finish_ai_test_run(p_id bigint, p_worker text, p_status text, p_action text, p_replies jsonb,
                                                  p_handoff_reason text, p_tool_calls jsonb, p_measures jsonb, p_citations jsonb,
                                                  p_confidence numeric, p_error text, p_tokens_in int, p_tokens_out int, p_model_ms int)
returns boolean
language plpgsql as $$
begin
    update bot.ai_test_runs
    set status = p_status, action = p_action, replies = coalesce(p_replies, '[]'), handoff_reason = p_handoff_reason,
        tool_calls = coalesce(p_tool_calls, '[]'), measures = coalesce(p_measures, '{}'), citations = coalesce(p_citations, '[]'),
        confidence = least(greatest(p_confidence, 0), 1), error = p_error, tokens_in = p_tokens_in, tokens_out = p_tokens_out,
        model_ms = p_model_ms, finished_at = now(), locked_by = null, locked_until = null
    where id = p_id and locked_by = p_worker and status = 'running';
    return found;
end
$$;
