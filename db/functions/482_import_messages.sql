-- Messages and notes of an import (481_import_entities.sql says what the outcomes mean). Imported messages are
-- ordinary chat.messages carrying import_run_id, with the timestamps and final status of the source; no ops.outbox
-- row is ever written for them, so nothing is sent.

-- Ids are drawn from the tables' own sequences before the insert, so each staged row knows its new id without a
-- join back on content (a message has no natural key but Meta's id, which many sources do not keep).
create or replace function legacy.import_messages(p_run bigint, p_project bigint, p_system text) returns void
language plpgsql as $$
declare
    v_seq regclass := pg_get_serial_sequence('chat.messages', 'id')::regclass;
    v_claimed bigint;
begin
    perform legacy.import_mark_present(p_project, p_system, 'message', 'stg_imp_messages');
    -- One pass resolves every reference and draws every id: probes per distinct conversation and agent (a batch holds
    -- many messages of few conversations), whatever the maps' size. Each UPDATE rewrites the staged rows, so the fewer
    -- passes the better; an id drawn for a row that turns out to be matched below is simply never used. A resolved row
    -- is 'new' from here until the claims below find its Meta id taken.
    with agents as materialized (
        select d.agent_ref, m.new_id
        from (select distinct agent_ref from stg_imp_messages where outcome is null and agent_ref is not null) d
        join legacy.id_maps m on m.project_id = p_project and m.source_system = p_system and m.kind = 'agent' and m.source_id = d.agent_ref),
    -- Materialized: left inline, the planner misjudged the distinct conversations as 3 rows and probed the
    -- conversation of every staged row instead of every distinct one (68 ms a batch of 5,000 against 17).
    r as materialized (
        select d.conversation_ref, cv.id, cv.account_id
        from (select distinct conversation_ref from stg_imp_messages where outcome is null) d
        cross join lateral (select m.new_id from legacy.id_maps m
                            where m.project_id = p_project and m.source_system = p_system and m.kind = 'conversation'
                              and m.source_id = d.conversation_ref) m
        join chat.conversations cv on cv.id = m.new_id)
    update stg_imp_messages s
    set conversation_id = r.id, account_id = r.account_id, new_id = nextval(v_seq), outcome = 'new',
        agent_id = (select a.new_id from agents a where a.agent_ref = s.agent_ref)
    from r
    where s.outcome is null and s.conversation_ref = r.conversation_ref;
    update stg_imp_messages set outcome = 'rejected', reason = 'unknown_conversation' where outcome is null and conversation_id is null;

    -- Referential checks set-based: the rows this batch's messages point at are locked once, FOR KEY SHARE, as the
    -- per-row foreign-key triggers would lock them four times per message (they were ~60 % of the insert). Every
    -- reference was resolved by a join to its table in this transaction, and the lock keeps it there until commit, so
    -- the per-row triggers are switched off for this one statement when the role may (legacy.import_fast_insert).
    perform 1 from chat.conversations where id in (select conversation_id from stg_imp_messages where outcome = 'new')
        order by id for key share;
    perform 1 from meta.accounts where id in (select account_id from stg_imp_messages where outcome = 'new')
        order by id for key share;
    perform 1 from core.users where id in (select agent_id from stg_imp_messages where outcome = 'new')
        order by id for key share;
    perform 1 from core.projects where id = p_project for key share;
    -- Meta's ids are claimed before the insert (it runs without triggers when the role may: chat.claim_message_keys
    -- does not fire). chat.message_provider_ids holds the key of every message the platform stored with a Meta id, so
    -- the claim is also the look-up: a key already taken (a webhook came first, an earlier run, or an earlier line of
    -- this batch, claimed first by the order below) maps the row to that message. The second statement's fresh
    -- snapshot sees a claim the first one waited for.
    -- When every key was claimed (a first import: the usual case) there is nothing to look up.
    insert into chat.message_provider_ids (account_id, provider_message_id, message_id)
    select account_id, provider_message_id, new_id from stg_imp_messages
    where outcome = 'new' and provider_message_id is not null
    order by account_id, provider_message_id, line
    on conflict do nothing;
    get diagnostics v_claimed = row_count;
    if v_claimed < (select count(*) from stg_imp_messages where outcome = 'new' and provider_message_id is not null) then
        update stg_imp_messages s set new_id = k.message_id, outcome = 'matched'
        from chat.message_provider_ids k
        where s.outcome = 'new' and s.provider_message_id is not null
          and k.account_id = s.account_id and k.provider_message_id = s.provider_message_id and k.message_id <> s.new_id;
    end if;
    perform legacy.import_fast_insert(true);
    insert into chat.messages (id, project_id, conversation_id, account_id, direction, provider_message_id, type, body,
                               reply_to_provider_id, payload, status, status_rank, status_at, error_code, error_title,
                               occurred_at, sent_by_user_id, import_run_id)
    overriding system value
    select s.new_id, p_project, s.conversation_id, s.account_id, s.direction, s.provider_message_id, s.kind, s.body,
           s.reply_to, s.payload::jsonb, s.status, chat.status_rank(s.status), s.status_at, s.error_code, s.error_title,
           s.occurred_at, s.agent_id, p_run
    from stg_imp_messages s
    where s.outcome = 'new'
    order by s.new_id
    on conflict do nothing;
    perform legacy.import_fast_insert(false);

    -- Files by URL join the Worker's download queue like a Messenger attachment: fetched through the SSRF-safe
    -- fetcher and never with a token (the Worker sends the account's token only for a Meta media id, which an import
    -- never sets). A file the source gave no URL for is kept as a failed file, so the bubble says what was there.
    insert into chat.media (project_id, message_id, ordinal, kind, mime_type, sha256, url, file_name, caption,
                            download_status, last_error)
    select p_project, s.new_id, f.ordinal::int, coalesce(f.item ->> 'kind', s.kind), f.item ->> 'mimeType',
           f.item ->> 'sha256', f.item ->> 'url', f.item ->> 'fileName', f.item ->> 'caption',
           case when f.item ->> 'url' is null then 'failed' else 'pending' end,
           case when f.item ->> 'url' is null then 'import_no_url: the source gave no URL to fetch the file from' end
    from stg_imp_messages s
    cross join lateral jsonb_array_elements(s.media::jsonb) with ordinality as f(item, ordinal)
    where s.outcome = 'new' and s.media is not null
    on conflict (message_id, ordinal) do nothing;

    -- The maps' keys are this batch's own (the reader refuses a source id seen earlier in the run); the threads' latest
    -- message is shared with the batch before this one, which must have committed (483_import_runs.sql says why).
    perform legacy.import_record_maps(p_run, p_project, p_system, 'message', 'stg_imp_messages');
    perform ops.import_after_previous();
    perform legacy.import_conversation_latest();
end
$$;

-- On: the per-row triggers (foreign-key checks) are off until off is called, in this transaction only, when the role
-- may set session_replication_role (a superuser, or GRANT SET ON PARAMETER); otherwise nothing changes and the
-- per-row checks run. Callers lock the referenced rows themselves first.
create or replace function legacy.import_fast_insert(p_on boolean) returns void
language plpgsql as $$
begin
    if has_parameter_privilege('session_replication_role', 'SET') then
        perform set_config('session_replication_role', case when p_on then 'replica' else 'origin' end, true);
    end if;
end
$$;

-- The conversations this batch added messages to, recomputed from their whole thread: the latest message (what the
-- inbox shows and sorts by), the start of the customer-service window (the last customer message, real timestamps)
-- and unread = customer messages after the business's last reply. Each probe walks messages_thread_idx from the end.
-- The conversations are locked first, in id order, in a statement of their own: a batch applied beside the one before
-- it (ImportOptions.Connections) waits here for that batch's commit when they share a conversation, and the UPDATE's
-- snapshot, taken after the wait, sees the earlier batch's messages of that thread.
create or replace function legacy.import_conversation_latest() returns void
language plpgsql as $$
begin
    perform 1 from chat.conversations
    where id in (select conversation_id from stg_imp_messages where outcome = 'new')
    order by id for no key update;
    update chat.conversations cv
    set last_message_id = l.id, last_message_at = l.occurred_at, last_message_direction = l.direction,
        last_message_type = l.type, last_message_preview = left(coalesce(l.body, '[' || l.type || ']'), 280),
        last_inbound_at = greatest(cv.last_inbound_at, t.last_in), unread_count = u.unread
    from (select conversation_id, max(occurred_at) filter (where direction = 'in') as last_in
          from stg_imp_messages where outcome = 'new' group by conversation_id) t
    cross join lateral (select m.id, m.occurred_at, m.direction, m.type, m.body from chat.messages m
                        where m.conversation_id = t.conversation_id and m.type <> 'reaction'
                        order by m.occurred_at desc, m.id desc limit 1) l
    cross join lateral (select count(*)::int as unread from chat.messages m
                        where m.conversation_id = t.conversation_id and m.direction = 'in'
                          and m.occurred_at > coalesce((select o.occurred_at from chat.messages o
                                                        where o.conversation_id = t.conversation_id and o.direction = 'out'
                                                        order by o.occurred_at desc, o.id desc limit 1), '-infinity')) u
    where cv.id = t.conversation_id;
end
$$;

-- Notes: the team's, never sent (chat.notes has no path to Meta). Their author must be a known agent.
create or replace function legacy.import_notes(p_run bigint, p_project bigint, p_system text) returns void
language plpgsql as $$
declare
    v_seq regclass := pg_get_serial_sequence('chat.notes', 'id')::regclass;
begin
    perform legacy.import_mark_present(p_project, p_system, 'note', 'stg_imp_notes');
    update stg_imp_notes s set conversation_id = m.new_id
    from legacy.id_maps m
    where s.outcome is null and m.project_id = p_project and m.source_system = p_system and m.kind = 'conversation'
      and m.source_id = s.conversation_ref;
    update stg_imp_notes s set author_id = m.new_id
    from legacy.id_maps m
    where s.outcome is null and m.project_id = p_project and m.source_system = p_system and m.kind = 'agent'
      and m.source_id = s.author_ref;
    update stg_imp_notes set outcome = 'rejected', reason = 'unknown_conversation' where outcome is null and conversation_id is null;
    update stg_imp_notes set outcome = 'rejected', reason = 'unknown_agent' where outcome is null and author_id is null;
    update stg_imp_notes set new_id = nextval(v_seq), outcome = 'new' where outcome is null;
    insert into chat.notes (id, project_id, conversation_id, author_user_id, body, created_at)
    overriding system value
    select new_id, p_project, conversation_id, author_id, body, created_at from stg_imp_notes where outcome = 'new';
    perform legacy.import_record_maps(p_run, p_project, p_system, 'note', 'stg_imp_notes');
end
$$;
