-- An import run (src/Migrator/Import): begun or resumed, applied batch by batch (each batch one transaction holding
-- its rows, id maps, rejects, counters and the resume cursor), finished with one change-feed summary, reported.

-- "MMIM" + the run id: the session advisory lock of the process importing a run.
create or replace function ops.import_lock_key(p_run bigint) returns bigint
language sql immutable as $$ select x'4D4D494D00000000'::bigint + p_run $$;

-- The unfinished run of this file (same content, project and source system) is resumed from its cursor; otherwise
-- a new run starts. A completed file imported again is a new run, which finds everything present.
create or replace function ops.import_begin(p_project bigint, p_source text, p_system text, p_file_name text,
                                            p_file_sha256 text, p_file_bytes bigint)
returns table (run_id bigint, cursor_line bigint, cursor_offset bigint, resumed boolean)
language plpgsql as $$
#variable_conflict use_column
declare
    v_run ops.import_runs;
begin
    select * into v_run from ops.import_runs r
    where r.project_id = p_project and r.source_system = p_system and r.file_sha256 = p_file_sha256
      and r.status in ('running', 'interrupted')
    order by r.id desc limit 1
    for update;
    if v_run.id is not null then
        -- Held by the importer's session until it ends: a second importer of the same file stops here instead of
        -- racing the first over the same batches.
        if not pg_try_advisory_lock(ops.import_lock_key(v_run.id)) then
            raise exception 'import run % of this file is running in another process', v_run.id using errcode = 'MM001';
        end if;
        update ops.import_runs set status = 'running', updated_at = now(), last_error = null where id = v_run.id;
        return query select v_run.id, v_run.cursor_line, v_run.cursor_offset, true;
        return;
    end if;
    insert into ops.import_runs (project_id, source, source_system, file_name, file_sha256, file_bytes)
    values (p_project, p_source, p_system, p_file_name, p_file_sha256, p_file_bytes)
    returning * into v_run;
    perform pg_advisory_lock(ops.import_lock_key(v_run.id));
    return query select v_run.id, 0::bigint, 0::bigint, false;
end
$$;

-- Source ids this run has mapped, for the reader's duplicate check after a resume.
create or replace function ops.import_run_mapped(p_run bigint)
returns table (kind text, source_id text)
language sql stable as $$
    select m.kind, m.source_id from legacy.id_maps m
    join ops.import_runs r on r.id = p_run and r.project_id = m.project_id and r.source_system = m.source_system
    where m.run_id = p_run
$$;

-- Two batches in flight (ImportOptions.Connections = 2): the later one is applied beside the earlier and committed
-- after it. Each batch's transaction holds this lock, keyed by the line it ends at, from its first statement; the next
-- batch (which starts at that line) waits for it, shared, before anything the earlier one may still lock: the threads'
-- latest message, the counters and the cursor. Without it the later batch could take one of those first
-- and wait to commit, while the earlier one waited for that row (a wait PostgreSQL cannot see as a deadlock: the
-- second half of it is the importer's commit order).
create or replace function ops.import_batch_key(p_run bigint, p_line bigint) returns bigint
language sql immutable as $$ select hashtextextended('mm import batch ' || p_run || ' ' || p_line, 0) $$;

create or replace function ops.import_after_previous() returns void
language plpgsql as $$
declare
    v_key text := current_setting('mm.import_after', true);
begin
    if coalesce(v_key, '') <> '' then
        perform pg_advisory_xact_lock_shared(v_key::bigint);
    end if;
end
$$;

-- One batch, staged by COPY: every entity in dependency order, the rejects, the counters and the cursor, in the
-- caller's transaction. p_after_line: where the batch starts, when the batch before it may still be in flight (the
-- caller holds ops.import_batch_key(p_run, p_cursor_line) already). Returns the batch's counts per entity.
drop function if exists ops.import_apply_batch(bigint, bigint, bigint);
create or replace function ops.import_apply_batch(p_run bigint, p_cursor_line bigint, p_cursor_offset bigint,
                                                  p_after_line bigint default null)
returns table (entity text, source_count bigint, new_count bigint, matched_count bigint, present_count bigint,
               rejected_count bigint)
language plpgsql as $$
#variable_conflict use_column
declare
    v_run ops.import_runs;
    v_entity text;
begin
    -- One importer per run: ops.import_begin's session lock. The row is only share-locked here because the importer
    -- applies two batches of messages at once on two connections (ImportOptions.Connections); the later one commits
    -- after the earlier, and waits for it where they meet (the counters and the cursor below).
    select * into v_run from ops.import_runs where id = p_run for key share;
    if v_run.status <> 'running' then
        raise exception 'import run % is %', p_run, v_run.status using errcode = 'MM001';
    end if;
    if v_run.cursor_line > p_cursor_line then
        raise exception 'import run % already went past line %', p_run, p_cursor_line using errcode = 'MM001';
    end if;

    perform set_config('mm.import_after', coalesce(ops.import_batch_key(p_run, p_after_line)::text, ''), true);
    -- No other run ever imported into this project from this source system (legacy.import_mark_present): no look-up
    -- of every staged id in the maps (5 % of a first import's time). Any other run, even a later one, turns it off.
    perform set_config('mm.import_first_run', case when exists (
        select from ops.import_runs r where r.project_id = v_run.project_id and r.source_system = v_run.source_system and r.id <> p_run)
        then 'off' else 'on' end, true);
    -- Fresh statistics for the staged rows (a few ms): the joins to id maps and history are planned on real sizes.
    analyze stg_imp_contacts, stg_imp_conversations, stg_imp_messages, stg_imp_notes;
    -- In dependency order. An entity this batch has no line of is skipped: its statements would still be planned and
    -- run, and some join the project's id maps whole (measured: 1.2 of 17 s of a 200,000-message import went to the
    -- empty ones). A conversation's tags are staged with it (stg_imp_conversation_tags joins stg_imp_conversations).
    foreach v_entity in array array['accounts', 'agents', 'tags', 'templates', 'contacts', 'conversations', 'messages', 'notes'] loop
        if ops.import_staging_filled('stg_imp_' || v_entity) then
            execute format('select legacy.import_%s($1, $2, $3)', v_entity) using p_run, v_run.project_id, v_run.source_system;
        end if;
    end loop;

    create temp table if not exists stg_imp_outcomes (entity text, line bigint, source_id text, outcome text, reason text);
    truncate stg_imp_outcomes;
    insert into stg_imp_outcomes
    select 'account', line, source_id, outcome, reason from stg_imp_accounts
    union all select 'agent', line, source_id, outcome, reason from stg_imp_agents
    union all select 'tag', line, source_id, outcome, reason from stg_imp_tags
    union all select 'template', line, source_id, outcome, reason from stg_imp_templates
    union all select 'contact', line, source_id, outcome, reason from stg_imp_contacts
    union all select 'conversation', line, source_id, outcome, reason from stg_imp_conversations
    union all select 'message', line, source_id, outcome, reason from stg_imp_messages
    union all select 'note', line, source_id, outcome, reason from stg_imp_notes
    union all select r.entity, r.line, r.source_id, 'rejected', r.reason from stg_imp_rejects r;

    insert into ops.import_rejects (run_id, project_id, line, entity, source_id, reason, detail)
    select p_run, v_run.project_id, o.line, o.entity, o.source_id, o.reason, null
    from stg_imp_outcomes o where o.outcome = 'rejected' and not exists (
        select 1 from stg_imp_rejects r where r.line = o.line)
    union all
    select p_run, v_run.project_id, r.line, r.entity, r.source_id, r.reason, r.detail from stg_imp_rejects r
    union all
    select p_run, v_run.project_id, d.line, d.entity, d.source_id, d.reason, d.detail
    from legacy.import_dropped_references(v_run.project_id, v_run.source_system) d;

    perform ops.import_after_previous();
    return query
    with batch as (
        select coalesce(c.entity, o.entity) as entity, coalesce(c.lines, 0) as source_count,
               coalesce(o.new, 0) as new_count, coalesce(o.matched, 0) as matched_count,
               coalesce(o.present, 0) as present_count, coalesce(o.rejected, 0) as rejected_count
        from stg_imp_source_counts c
        full join (select x.entity, count(*) filter (where x.outcome in ('new', 'matched')) as new,
                          count(*) filter (where x.outcome = 'matched') as matched,
                          count(*) filter (where x.outcome = 'present') as present,
                          count(*) filter (where x.outcome = 'rejected') as rejected
                   from stg_imp_outcomes x group by x.entity) o on o.entity = c.entity
    ), saved as (
        insert into ops.import_counts as t (run_id, project_id, entity, source_count, new_count, matched_count,
                                            present_count, rejected_count)
        select p_run, v_run.project_id, b.entity, b.source_count, b.new_count, b.matched_count, b.present_count,
               b.rejected_count
        from batch b
        order by b.entity -- two batches in flight lock their counter rows in one order
        on conflict (run_id, entity) do update
            set source_count = t.source_count + excluded.source_count, new_count = t.new_count + excluded.new_count,
                matched_count = t.matched_count + excluded.matched_count,
                present_count = t.present_count + excluded.present_count,
                rejected_count = t.rejected_count + excluded.rejected_count
    ), moved as (
        update ops.import_runs set cursor_line = p_cursor_line, cursor_offset = p_cursor_offset, batches = batches + 1,
                                   updated_at = now()
        where id = p_run
    )
    select b.entity, b.source_count, b.new_count, b.matched_count, b.present_count, b.rejected_count from batch b;
end
$$;

-- Stopped before the end (a signal, an error, a test's batch limit): the next start of the same file resumes here.
create or replace function ops.import_interrupt(p_run bigint, p_error text) returns void
language sql as $$
    update ops.import_runs set status = 'interrupted', last_error = p_error, updated_at = now()
    where id = p_run and status = 'running'
$$;

-- The end: one change-feed row for the whole run (consoles re-read their list once), never one per message.
create or replace function ops.import_finish(p_run bigint) returns void
language plpgsql as $$
declare
    v_run ops.import_runs;
begin
    update ops.import_runs set status = 'completed', finished_at = now(), updated_at = now()
    where id = p_run and status = 'running'
    returning * into v_run;
    if v_run.id is null then return; end if;
    perform ops.emit_change(v_run.project_id, 'import_completed', null, null,
                            jsonb_build_object('runId', v_run.id, 'sourceSystem', v_run.source_system,
                                               'counts', (select jsonb_object_agg(c.entity, c.new_count)
                                                          from ops.import_counts c where c.run_id = v_run.id)));
end
$$;

-- The reconciliation: per entity, the source's records and what became of them; unexplained = source − new −
-- present − rejected must be 0 everywhere. Optional references dropped from imported records ('conversation.tag'…)
-- appear with their reasons and no source count of their own.
create or replace function ops.import_report(p_run bigint)
returns table (entity text, source_count bigint, new_count bigint, matched_count bigint, present_count bigint,
               rejected_count bigint, unexplained bigint, reasons jsonb)
language sql stable as $$
    with reasons as (
        select r.entity, jsonb_object_agg(r.reason, r.n order by r.reason) as reasons, sum(r.n) as n
        from (select j.entity, j.reason, count(*) as n from ops.import_rejects j where j.run_id = p_run group by 1, 2) r
        group by r.entity
    )
    select coalesce(c.entity, r.entity), coalesce(c.source_count, 0), coalesce(c.new_count, 0), coalesce(c.matched_count, 0),
           coalesce(c.present_count, 0), coalesce(c.rejected_count, 0),
           case when c.entity is null then 0
                else c.source_count - c.new_count - c.present_count - c.rejected_count end,
           coalesce(r.reasons, '{}')
    from (select * from ops.import_counts where run_id = p_run) c
    full join reasons r on r.entity = c.entity
    order by array_position(array['account', 'agent', 'tag', 'template', 'contact', 'conversation', 'message', 'note',
                                  'flow', 'record'], coalesce(c.entity, r.entity)) nulls last, 1
$$;

create or replace function ops.import_run(p_run bigint)
returns table (id bigint, project_id bigint, source text, source_system text, file_name text, status text,
               cursor_line bigint, batches int, started_at timestamptz, finished_at timestamptz, last_error text)
language sql stable as $$
    select id, project_id, source, source_system, file_name, status, cursor_line, batches, started_at, finished_at, last_error
    from ops.import_runs where id = p_run
$$;

create or replace function ops.import_run_rejects(p_run bigint, p_limit int)
returns table (line bigint, entity text, source_id text, reason text, detail text)
language sql stable as $$
    select line, entity, source_id, reason, detail from ops.import_rejects where run_id = p_run order by line, id limit p_limit
$$;
