-- The agents' manual (issue 14, docs/ai-media-and-manual.md): documents uploaded to an agent (bot.ai_documents, a
-- queue with lease columns) become chunks of text with their heading (bot.ai_chunks, full-text vector generated) and,
-- when the provider has an embedding model, an embedding each. The Worker's ManualLoop extracts, chunks and embeds;
-- retrieval is bot.search_manual (440) and bot.manual_embeddings, fused in the Worker (ManualSearch). Every call that
-- writes for a claimed document names the worker and changes nothing when the lease was lost.

-- The Worker's claim: pending documents whose time has come, oldest first. A document whose attempts all ran out
-- their lease (a Worker that died reading it) fails here with the reason instead of being claimed forever.
create or replace function bot.claim_ai_documents(p_worker text, p_limit int, p_lease_seconds int, p_max_attempts int)
returns table (id bigint, project_id bigint, agent_id bigint, name text, content_type text, content bytea, attempt_count int)
language plpgsql as $$
#variable_conflict use_column
declare
    v_doc bot.ai_documents;
begin
    for v_doc in
        update bot.ai_documents d
        set status = 'failed', locked_by = null, locked_until = null,
            error = 'attempts_exhausted: ' || coalesce(d.error, 'every attempt ran out its lease')
        where d.status = 'pending' and d.next_attempt_at <= now() and d.attempt_count >= p_max_attempts
          and (d.locked_until is null or d.locked_until < now())
        returning d.*
    loop
        perform bot.ai_document_changed(v_doc);
    end loop;
    return query
    with claimed as (
        update bot.ai_documents d
        set locked_by = p_worker, locked_until = now() + make_interval(secs => p_lease_seconds), attempt_count = d.attempt_count + 1
        where d.id in (
            select x.id from bot.ai_documents x
            where x.status = 'pending' and x.next_attempt_at <= now() and (x.locked_until is null or x.locked_until < now())
            order by x.next_attempt_at, x.id
            limit p_limit
            for update skip locked)
        returning d.id, d.project_id, d.agent_id, d.name, d.content_type, d.content, d.attempt_count, d.next_attempt_at
    )
    select c.id, c.project_id, c.agent_id, c.name, c.content_type, c.content, c.attempt_count from claimed c
    order by c.next_attempt_at, c.id;
end
$$;

-- The consoles' AI Agents page shows each document's state: one change per state a document reaches.
create or replace function bot.ai_document_changed(p_document bot.ai_documents) returns bigint
language sql as $$
    select ops.emit_change(p_document.project_id, 'ai_document_changed', null, null,
                           jsonb_build_object('documentId', p_document.id, 'agentId', p_document.agent_id,
                                              'status', p_document.status, 'chunkCount', p_document.chunk_count,
                                              'error', p_document.error))
$$;

-- The document's chunks, replacing its earlier ones in one statement (so a reader sees the old set or the new one,
-- never half of each). A chunk identical to an earlier one (same position, heading and text: a retried or re-read
-- document) keeps its embedding, so a retry does not pay to embed it again. Returns the number of chunks, or null
-- when the lease was lost.
create or replace function bot.ai_manual_write_chunks(p_document_id bigint, p_worker text, p_headings text[], p_contents text[])
returns int
language plpgsql as $$
declare
    v_doc bot.ai_documents;
    v_count int;
begin
    select * into v_doc from bot.ai_documents where id = p_document_id for update;
    if v_doc.locked_by is distinct from p_worker or v_doc.status <> 'pending' then return null; end if;
    with old as (
        delete from bot.ai_chunks where document_id = p_document_id
        returning position, heading, content, embedding
    ), fresh as (
        select (n - 1)::int as position, h as heading, c as content
        from unnest(p_headings, p_contents) with ordinality as u(h, c, n)
    )
    insert into bot.ai_chunks (project_id, agent_id, document_id, position, heading, content, embedding)
    select v_doc.project_id, v_doc.agent_id, p_document_id, f.position, f.heading, f.content, o.embedding
    from fresh f
    left join old o on o.position = f.position and o.heading is not distinct from f.heading and o.content = f.content;
    get diagnostics v_count = row_count;
    update bot.ai_documents set chunk_count = v_count where id = p_document_id;
    return v_count;
end
$$;

-- Chunks of a document still without an embedding, in order.
create or replace function bot.ai_manual_unembedded(p_document_id bigint)
returns table (chunk_id bigint, heading text, content text)
language sql stable as $$
    select c.id, c.heading, c.content from bot.ai_chunks c
    where c.document_id = p_document_id and c.embedding is null
    order by c.position
$$;

-- Embeddings of a batch of chunks: p_vectors holds them one after the other, p_dimensions each (a flat real[] is one
-- parameter; a real[][] would need every vector the same length anyway). Returns the rows written, or null when the
-- lease was lost.
create or replace function bot.ai_manual_set_embeddings(p_document_id bigint, p_worker text, p_chunk_ids bigint[],
                                                        p_vectors real[], p_dimensions int) returns int
language plpgsql as $$
declare
    v_count int;
begin
    perform 1 from bot.ai_documents where id = p_document_id and locked_by = p_worker and status = 'pending' for update;
    if not found then return null; end if;
    if cardinality(p_vectors) <> cardinality(p_chunk_ids) * p_dimensions then
        raise exception 'expected % values for % chunks of % dimensions, got %', cardinality(p_chunk_ids) * p_dimensions,
            cardinality(p_chunk_ids), p_dimensions, cardinality(p_vectors);
    end if;
    update bot.ai_chunks c
    set embedding = p_vectors[(u.n - 1) * p_dimensions + 1 : u.n * p_dimensions]
    from unnest(p_chunk_ids) with ordinality as u(id, n)
    where c.id = u.id and c.document_id = p_document_id;
    get diagnostics v_count = row_count;
    return v_count;
end
$$;

-- The document is ready (p_note: what was left out, e.g. embeddings that failed; full text works without them).
create or replace function bot.ai_manual_ready(p_document_id bigint, p_worker text, p_note text) returns boolean
language plpgsql as $$
declare
    v_doc bot.ai_documents;
begin
    update bot.ai_documents
    set status = 'ready', error = p_note, locked_by = null, locked_until = null,
        chunk_count = (select count(*) from bot.ai_chunks c where c.document_id = p_document_id)
    where id = p_document_id and locked_by = p_worker and status = 'pending'
    returning * into v_doc;
    if v_doc.id is null then return false; end if;
    perform bot.ai_document_changed(v_doc);
    return true;
end
$$;

-- The document cannot be read (encrypted, no text, a type without a reader, too long): 'failed' with the reason, and
-- no chunks are left from an earlier reading.
create or replace function bot.ai_manual_fail(p_document_id bigint, p_worker text, p_error text) returns boolean
language plpgsql as $$
declare
    v_doc bot.ai_documents;
begin
    update bot.ai_documents
    set status = 'failed', error = p_error, chunk_count = 0, locked_by = null, locked_until = null
    where id = p_document_id and locked_by = p_worker and status = 'pending'
    returning * into v_doc;
    if v_doc.id is null then return false; end if;
    delete from bot.ai_chunks where document_id = p_document_id;
    perform bot.ai_document_changed(v_doc);
    return true;
end
$$;

-- A transient failure (the provider's 429 or 5xx while embedding): the lease is released, the chunks written so far
-- stay (and are found by full text), and the document comes back after p_delay_ms to embed the rest.
create or replace function bot.ai_manual_retry(p_document_id bigint, p_worker text, p_error text, p_delay_ms int) returns boolean
language sql as $$
    update bot.ai_documents
    set error = p_error, locked_by = null, locked_until = null, next_attempt_at = now() + make_interval(secs => p_delay_ms / 1000.0)
    where id = p_document_id and locked_by = p_worker and status = 'pending'
    returning true
$$;

-- The project's AI budget for today is spent: the document waits for the project's next day (its time zone, plus up
-- to ten minutes so a project's documents do not all start at midnight), without counting an attempt. Its chunks are
-- already written, so full text finds them meanwhile; only the embeddings wait.
create or replace function bot.ai_manual_defer(p_document_id bigint, p_worker text, p_reason text) returns boolean
language sql as $$
    update bot.ai_documents d
    set error = p_reason, locked_by = null, locked_until = null, attempt_count = greatest(d.attempt_count - 1, 0),
        next_attempt_at = (((now() at time zone p.time_zone)::date + 1)::timestamp at time zone p.time_zone)
                          + random() * interval '10 minutes'
    from core.projects p
    where d.id = p_document_id and p.id = d.project_id and d.locked_by = p_worker and d.status = 'pending'
    returning true
$$;

-- What an agent's embeddings are now, cheaply (the Worker caches an agent's vectors and reads them again only when
-- this changes): how many chunks have one, and the newest such chunk. Chunks are only ever inserted (new ids),
-- deleted or given an embedding, each of which changes one of the two.
create or replace function bot.manual_embeddings_version(p_agent_id bigint, out chunk_count bigint, out max_chunk_id bigint)
language sql stable as $$
    select count(*), coalesce(max(c.id), 0) from bot.ai_chunks c where c.agent_id = p_agent_id and c.embedding is not null
$$;
