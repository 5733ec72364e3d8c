-- Legacy flow import (issue 15, docs/chatbots-legacy-import.md). The Core API maps each legacy flow to a flow document
-- (CoreApi/Bots/FlowImport.cs) and checks it (FlowRules); this function keeps what only the database can: the legacy id
-- map (bot.flow_legacy_ids), the content hash that makes a second import of the same file write nothing, names unique
-- per project, draft revisions and version numbers, and one command-log entry for the whole import.

-- p_flows: [{"legacyId", "name", "sha256", "definition", "publish"}] in the file's order. Per legacy id: unknown →
-- a new flow (its name de-duplicated: "Ventas (2)"), created; known with the same sha256 → nothing written, unchanged;
-- known with another → its draft replaced (revision + 1, the name the console gave it kept), updated. publish: the
-- document had no problem, so it becomes the flow's next version at once. An archived flow is left alone (archived:
-- the Core API reports it). published: the flow's published version is this document.
create or replace function bot.import_flows(p_project_id bigint, p_user_id bigint, p_flows jsonb)
returns table (legacy_id text, flow_id bigint, name text, outcome text, published boolean, archived boolean)
language plpgsql as $$
declare
    v_item jsonb;
    v_flow bot.flows;
    v_known bot.flow_legacy_ids;
    v_name text;
    v_n int;
    v_version int;
    v_version_id bigint;
    v_log jsonb := '[]';
begin
    -- One import of a project at a time: two at once would both find a legacy id unknown and both create its flow.
    perform pg_advisory_xact_lock(hashtext('bot.import_flows'), p_project_id::int);
    for v_item in select value from jsonb_array_elements(p_flows) loop
        legacy_id := v_item ->> 'legacyId';
        v_flow := null;
        select * into v_known from bot.flow_legacy_ids l where l.project_id = p_project_id and l.legacy_id = v_item ->> 'legacyId';
        if v_known.flow_id is not null then
            select * into v_flow from bot.flows f where f.id = v_known.flow_id for update;
        end if;
        archived := coalesce(v_flow.archived_at is not null, false);
        if v_flow.id is not null and (archived or v_known.content_sha256 = v_item ->> 'sha256') then
            outcome := 'unchanged';
        elsif v_flow.id is not null then
            update bot.flows f set draft = v_item -> 'definition', draft_revision = f.draft_revision + 1, updated_at = now()
            where f.id = v_flow.id returning * into v_flow;
            update bot.flow_legacy_ids l set content_sha256 = v_item ->> 'sha256', imported_at = now()
            where l.project_id = p_project_id and l.legacy_id = v_item ->> 'legacyId';
            outcome := 'updated';
        else
            v_name := v_item ->> 'name';
            v_n := 1;
            while exists (select 1 from bot.flows f where f.project_id = p_project_id and f.name = v_name) loop
                v_n := v_n + 1;
                v_name := left(v_item ->> 'name', 80 - length(format(' (%s)', v_n))) || format(' (%s)', v_n);
            end loop;
            insert into bot.flows (project_id, name, draft, created_by) values (p_project_id, v_name, v_item -> 'definition', p_user_id)
            returning * into v_flow;
            insert into bot.flow_legacy_ids (project_id, legacy_id, flow_id, content_sha256)
            values (p_project_id, v_item ->> 'legacyId', v_flow.id, v_item ->> 'sha256');
            outcome := 'created';
        end if;
        if outcome <> 'unchanged' and (v_item ->> 'publish')::boolean then
            select coalesce(max(v.version), 0) + 1 into v_version from bot.flow_versions v where v.flow_id = v_flow.id;
            insert into bot.flow_versions (project_id, flow_id, version, definition, published_by)
            values (p_project_id, v_flow.id, v_version, v_flow.draft, p_user_id)
            returning id into v_version_id;
            update bot.flows f set published_version_id = v_version_id, updated_at = now() where f.id = v_flow.id
            returning * into v_flow;
        end if;
        flow_id := v_flow.id;
        name := v_flow.name;
        published := exists (select 1 from bot.flow_versions v
                             where v.id = v_flow.published_version_id and v.definition = v_item -> 'definition');
        if outcome <> 'unchanged' then
            v_log := v_log || jsonb_build_object('legacyId', legacy_id, 'flowId', flow_id, 'outcome', outcome,
                                                 'draftRevision', v_flow.draft_revision, 'published', published);
        end if;
        return next;
    end loop;
    if jsonb_array_length(v_log) > 0 then
        perform ops.record_command(p_project_id, p_user_id, 'flow.import', 'project', p_project_id::text, null,
                                   jsonb_build_object('flows', v_log));
    end if;
end
$$;

-- What a legacy node names by name: the project's queues (transfer) and its published AI agents that are not archived
-- (ai), each list in the same order as its ids.
create or replace function bot.flow_import_context(p_project_id bigint, out queue_ids bigint[], out queue_names text[],
                                                   out agent_ids bigint[], out agent_names text[])
language plpgsql stable as $$
begin
    select coalesce(array_agg(q.id order by q.id), '{}'), coalesce(array_agg(q.name order by q.id), '{}')
    into queue_ids, queue_names
    from core.queues q where q.project_id = p_project_id;
    select coalesce(array_agg(a.id order by a.id), '{}'), coalesce(array_agg(a.name order by a.id), '{}')
    into agent_ids, agent_names
    from bot.ai_agents a where a.project_id = p_project_id and a.published_version_id is not null and a.archived_at is null;
end
$$;
