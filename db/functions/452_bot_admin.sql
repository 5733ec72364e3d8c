-- Chatbot flows from the console (issue 15, docs/chatbots.md; the Worker's side is 450_bot_runtime.sql). The Core API
-- checks the flow document (CoreApi/Bots/FlowRules.cs: a draft is saved with its problems, a publish refuses any); the
-- functions keep what only the database can: tenancy, draft revisions, version numbers, one enabled activation per
-- account and entry point. Every configuring write records itself in the command log. Refusals are codes the console
-- translates. plpgsql throughout: its bodies are checked when called, not when this file is applied.

-- ── Flows ───────────────────────────────────────────────────────────────────────────────────────────────────

create or replace function bot.flow_json(p bot.flows) returns jsonb
language plpgsql immutable as $$
begin
    return case when p.id is null then null else jsonb_build_object(
        'name', p.name, 'draftRevision', p.draft_revision, 'draft', p.draft, 'publishedVersionId', p.published_version_id,
        'archived', p.archived_at is not null) end;
end
$$;

-- The flow's project (null: no such flow), for the routes below a flow.
create or replace function bot.flow_scope(p_flow_id bigint) returns bigint
language plpgsql stable as $$
begin
    return (select project_id from bot.flows where id = p_flow_id);
end
$$;

-- What FlowRules checks a document against: the project's queues, its published AI agents that are not archived, and
-- the names of its templates that are not deleted.
create or replace function bot.flow_rules_context(p_project_id bigint,
                                                  out queue_ids bigint[], out agent_ids bigint[], out template_names text[])
language plpgsql stable as $$
begin
    queue_ids := array(select id from core.queues where project_id = p_project_id order by id);
    agent_ids := array(select id from bot.ai_agents
                       where project_id = p_project_id and published_version_id is not null and archived_at is null order by id);
    template_names := array(select distinct name from meta.templates where project_id = p_project_id and status <> 'deleted' order by name);
end
$$;

-- account_ids: the accounts the flow is enabled on; active_sessions: conversations it runs now.
create or replace function bot.flow_list(p_project_id bigint)
returns table (id bigint, name text, draft_revision int, published_version int, published_at timestamptz, archived boolean,
               account_ids bigint[], active_sessions int, updated_at timestamptz)
language plpgsql stable as $$
begin
    return query
    select f.id, f.name, f.draft_revision, v.version, v.published_at, f.archived_at is not null,
           array(select distinct a.account_id from bot.flow_activations a where a.flow_id = f.id and a.enabled order by a.account_id),
           (select count(*)::int from bot.flow_sessions s where s.flow_id = f.id and s.status = 'active'),
           f.updated_at
    from bot.flows f
    left join bot.flow_versions v on v.id = f.published_version_id
    where f.project_id = p_project_id
    order by f.archived_at is not null, f.name, f.id;
end
$$;

create or replace function bot.flow_detail(p_project_id bigint, p_flow_id bigint)
returns table (id bigint, name text, draft_revision int, draft text, published_version int, published text, published_at timestamptz,
               archived boolean)
language plpgsql stable as $$
begin
    return query
    select f.id, f.name, f.draft_revision, f.draft::text, v.version, v.definition::text, v.published_at, f.archived_at is not null
    from bot.flows f
    left join bot.flow_versions v on v.id = f.published_version_id
    where f.id = p_flow_id and f.project_id = p_project_id;
end
$$;

-- refusal: name_taken (another flow of the project has the name).
create or replace function bot.create_flow(p_project_id bigint, p_name text, p_draft jsonb, p_user_id bigint,
                                           out flow_id bigint, out refusal text)
language plpgsql as $$
declare
    v_row bot.flows;
begin
    insert into bot.flows (project_id, name, draft, created_by)
    values (p_project_id, p_name, p_draft, p_user_id)
    on conflict (project_id, name) do nothing
    returning * into v_row;
    if v_row.id is null then refusal := 'name_taken'; return; end if;
    flow_id := v_row.id;
    perform ops.record_command(p_project_id, p_user_id, 'flow.create', 'flow', v_row.id::text, null, bot.flow_json(v_row));
end
$$;

-- Saves the draft over the revision the editor started from (p_revision): refusals not_found, flow_archived,
-- draft_conflict (someone saved since: the editor reloads rather than overwrite), name_taken. p_name or p_draft null
-- keeps it. A draft with problems is saved: they stop only the publish.
create or replace function bot.save_flow_draft(p_project_id bigint, p_flow_id bigint, p_name text, p_draft jsonb, p_revision int,
                                               p_user_id bigint) returns text
language plpgsql as $$
declare
    v_before bot.flows;
    v_after bot.flows;
begin
    select * into v_before from bot.flows where id = p_flow_id and project_id = p_project_id for update;
    if v_before.id is null then return 'not_found'; end if;
    if v_before.archived_at is not null then return 'flow_archived'; end if;
    if v_before.draft_revision <> p_revision then return 'draft_conflict'; end if;
    if p_name is not null and p_name <> v_before.name
       and exists (select 1 from bot.flows where project_id = p_project_id and name = p_name) then
        return 'name_taken';
    end if;
    update bot.flows
    set name = coalesce(p_name, name), draft = coalesce(p_draft, draft), draft_revision = draft_revision + 1, updated_at = now()
    where id = p_flow_id
    returning * into v_after;
    perform ops.record_command(p_project_id, p_user_id, 'flow.save_draft', 'flow', p_flow_id::text,
                               bot.flow_json(v_before), bot.flow_json(v_after));
    return null;
end
$$;

-- The draft the Core API checked (p_revision: it is still that one, else draft_conflict) becomes the next immutable
-- version, which new sessions run; a running session finishes on the version it started with. Refusals: not_found,
-- flow_archived, draft_conflict.
create or replace function bot.publish_flow(p_project_id bigint, p_flow_id bigint, p_revision int, p_user_id bigint,
                                            out version int, out refusal text)
language plpgsql as $$
declare
    v_flow bot.flows;
    v_previous int;
    v_version_id bigint;
begin
    select * into v_flow from bot.flows where id = p_flow_id and project_id = p_project_id for update;
    if v_flow.id is null then refusal := 'not_found'; return; end if;
    if v_flow.archived_at is not null then refusal := 'flow_archived'; return; end if;
    if v_flow.draft_revision <> p_revision then refusal := 'draft_conflict'; return; end if;
    select max(v.version) into v_previous from bot.flow_versions v where v.flow_id = p_flow_id;
    version := coalesce(v_previous, 0) + 1;
    insert into bot.flow_versions (project_id, flow_id, version, definition, published_by)
    values (p_project_id, p_flow_id, version, v_flow.draft, p_user_id)
    returning id into v_version_id;
    update bot.flows set published_version_id = v_version_id, updated_at = now() where id = p_flow_id;
    perform ops.record_command(p_project_id, p_user_id, 'flow.publish', 'flow', p_flow_id::text,
                               jsonb_build_object('publishedVersion', v_previous),
                               jsonb_build_object('publishedVersion', version, 'versionId', v_version_id,
                                                  'draftRevision', v_flow.draft_revision));
end
$$;

create or replace function bot.flow_versions_of(p_project_id bigint, p_flow_id bigint)
returns table (id bigint, version int, published_at timestamptz, published_by bigint, published_by_name text)
language plpgsql stable as $$
begin
    return query
    select v.id, v.version, v.published_at, v.published_by, u.display_name
    from bot.flow_versions v
    left join core.users u on u.id = v.published_by
    where v.flow_id = p_flow_id and v.project_id = p_project_id
    order by v.version desc;
end
$$;

-- An archived flow starts nowhere: its activations are disabled with it. Sessions running it finish on their version
-- (the Worker runs a session by its version_id, whatever became of the flow). False: no such flow. Archiving twice
-- records nothing more.
create or replace function bot.archive_flow(p_project_id bigint, p_flow_id bigint, p_user_id bigint) returns boolean
language plpgsql as $$
declare
    v_flow bot.flows;
    v_disabled bigint[];
begin
    select * into v_flow from bot.flows where id = p_flow_id and project_id = p_project_id for update;
    if v_flow.id is null then return false; end if;
    if v_flow.archived_at is not null then return true; end if;
    update bot.flows set archived_at = now(), updated_at = now() where id = p_flow_id;
    with off as (update bot.flow_activations set enabled = false where flow_id = p_flow_id and enabled returning id)
    select coalesce(array_agg(id order by id), '{}') into v_disabled from off;
    perform ops.record_command(p_project_id, p_user_id, 'flow.archive', 'flow', p_flow_id::text,
                               jsonb_build_object('archived', false),
                               jsonb_build_object('archived', true, 'disabledActivations', to_jsonb(v_disabled)));
    return true;
end
$$;

-- ── Activations ─────────────────────────────────────────────────────────────────────────────────────────────

create or replace function bot.flow_activation_json(p bot.flow_activations) returns jsonb
language plpgsql immutable as $$
begin
    return case when p.id is null then null else jsonb_build_object(
        'flowId', p.flow_id, 'accountId', p.account_id, 'entry', p.entry, 'keywords', to_jsonb(p.keywords), 'referral', p.referral,
        'enabled', p.enabled) end;
end
$$;

create or replace function bot.flow_activation_list(p_project_id bigint)
returns table (id bigint, flow_id bigint, flow_name text, account_id bigint, entry text, keywords text[], referral text, enabled boolean)
language plpgsql stable as $$
begin
    return query
    select a.id, a.flow_id, f.name, a.account_id, a.entry, a.keywords, a.referral, a.enabled
    from bot.flow_activations a
    join bot.flows f on f.id = a.flow_id
    where a.project_id = p_project_id
    order by a.id;
end
$$;

-- Creates (p_activation_id null) or replaces an activation; keywords are kept as written and folded as the runtime
-- matches them (keywords_folded: trimmed, accents removed, lower case; each once). Refusals: not_found, unknown_flow,
-- flow_archived, flow_not_published (nothing would run), unknown_account (not the project's, or disconnected),
-- channel_mismatch (the published version was not checked for the account's channel), keywords_required,
-- activation_exists (an enabled activation of the same account and entry would compete for the same messages: a
-- keyword in common, the same referral, or any other entry twice).
create or replace function bot.save_flow_activation(p_project_id bigint, p_activation_id bigint, p_flow_id bigint, p_account_id bigint,
                                                    p_entry text, p_keywords text[], p_referral text, p_enabled boolean,
                                                    p_user_id bigint, out activation_id bigint, out refusal text)
language plpgsql as $$
declare
    v_before bot.flow_activations;
    v_after bot.flow_activations;
    v_flow bot.flows;
    v_channels jsonb;
    v_account meta.accounts;
    v_keywords text[] := case when p_entry = 'keyword' then coalesce(p_keywords, '{}') else '{}' end;
    v_folded text[];
    v_referral text := case when p_entry = 'referral' then p_referral end;
begin
    if p_activation_id is not null then
        select * into v_before from bot.flow_activations where id = p_activation_id and project_id = p_project_id for update;
        if v_before.id is null then refusal := 'not_found'; return; end if;
    end if;
    select * into v_flow from bot.flows where id = p_flow_id and project_id = p_project_id;
    if v_flow.id is null then refusal := 'unknown_flow'; return; end if;
    if v_flow.archived_at is not null then refusal := 'flow_archived'; return; end if;
    if v_flow.published_version_id is null then refusal := 'flow_not_published'; return; end if;
    select * into v_account from meta.accounts where id = p_account_id and project_id = p_project_id and status <> 'disconnected';
    if v_account.id is null then refusal := 'unknown_account'; return; end if;
    select definition -> 'channels' into v_channels from bot.flow_versions where id = v_flow.published_version_id;
    if not coalesce(v_channels ? v_account.channel, false) then refusal := 'channel_mismatch'; return; end if;
    v_folded := array(select f from (select lower(public.unaccent(btrim(k))) as f, min(n) as n from unnest(v_keywords) with ordinality u(k, n)
                                     where btrim(k) <> '' group by 1) x order by n);
    if p_entry = 'keyword' and cardinality(v_folded) = 0 then refusal := 'keywords_required'; return; end if;
    if p_enabled and exists (
        select 1 from bot.flow_activations x
        where x.project_id = p_project_id and x.enabled and x.id is distinct from p_activation_id
          and x.account_id = p_account_id and x.entry = p_entry
          and case p_entry when 'keyword' then x.keywords_folded && v_folded
                           when 'referral' then x.referral is not distinct from v_referral
                           else true end) then
        refusal := 'activation_exists'; return;
    end if;
    if p_activation_id is null then
        insert into bot.flow_activations (project_id, flow_id, account_id, entry, keywords, keywords_folded, referral, enabled)
        values (p_project_id, p_flow_id, p_account_id, p_entry, v_keywords, v_folded, v_referral, p_enabled)
        returning * into v_after;
    else
        update bot.flow_activations
        set flow_id = p_flow_id, account_id = p_account_id, entry = p_entry, keywords = v_keywords, keywords_folded = v_folded,
            referral = v_referral, enabled = p_enabled
        where id = p_activation_id
        returning * into v_after;
    end if;
    activation_id := v_after.id;
    perform ops.record_command(p_project_id, p_user_id,
                               case when p_activation_id is null then 'flow_activation.create' else 'flow_activation.update' end,
                               'flow_activation', v_after.id::text, bot.flow_activation_json(v_before), bot.flow_activation_json(v_after));
end
$$;

create or replace function bot.delete_flow_activation(p_project_id bigint, p_activation_id bigint, p_user_id bigint) returns boolean
language plpgsql as $$
declare
    v_before bot.flow_activations;
begin
    delete from bot.flow_activations where id = p_activation_id and project_id = p_project_id returning * into v_before;
    if v_before.id is null then return false; end if;
    perform ops.record_command(p_project_id, p_user_id, 'flow_activation.delete', 'flow_activation', p_activation_id::text,
                               bot.flow_activation_json(v_before), null);
    return true;
end
$$;

-- ── Analytics ───────────────────────────────────────────────────────────────────────────────────────────────

-- The sessions of a flow started in [p_from, p_to), by outcome, and where the dropped ones (expired: the customer
-- stopped answering; off: a person took over) stopped, most first: dropped_at is [{"nodeId": …, "sessions": …}].
-- Reads flow_sessions_flow_idx (flow_id, started_at).
create or replace function bot.flow_analytics(p_project_id bigint, p_flow_id bigint, p_from timestamptz, p_to timestamptz)
returns table (started int, completed int, handed_off int, expired int, off int, failed int, active int, dropped_at text)
language plpgsql stable as $$
begin
    return query
    with s as (
        select status, node_id from bot.flow_sessions
        where flow_id = p_flow_id and project_id = p_project_id and started_at >= p_from and started_at < p_to)
    select count(*)::int,
           (count(*) filter (where status = 'completed'))::int,
           (count(*) filter (where status = 'handed_off'))::int,
           (count(*) filter (where status = 'expired'))::int,
           (count(*) filter (where status = 'off'))::int,
           (count(*) filter (where status = 'failed'))::int,
           (count(*) filter (where status = 'active'))::int,
           coalesce((select jsonb_agg(jsonb_build_object('nodeId', d.node_id, 'sessions', d.n) order by d.n desc, d.node_id)
                     from (select node_id, count(*)::int as n from s
                           where status in ('expired', 'off') and node_id is not null group by node_id) d), '[]')::text
    from s;
end
$$;
