-- Media understood by AI (issue 14, docs/ai-media-and-manual.md): a customer's voice note is transcribed, a photo
-- described, a document's text extracted, and the result kept on the message (chat.messages.ai_text / ai_text_kind),
-- where the agent reads it (bot.ai_thread), the console shows it and the inbox search finds it (chat.search). One job
-- per message and kind in bot.ai_media_jobs, leased like every Worker queue (the Worker's AiMediaLoop); every call
-- that finishes a job names the worker and changes nothing when the lease was lost.

-- What AI makes of a file, by its kind, type and name: a transcript, a description, a document's text, or null
-- (video, stickers, a document the Worker has no reader for). The Worker's DocumentReader reads the same types.
create or replace function bot.ai_media_job_kind(p_media_kind text, p_mime_type text, p_file_name text) returns text
language sql immutable parallel safe as $$
    select case
        when p_media_kind in ('audio', 'voice') then 'transcript'
        when p_media_kind = 'image' then 'description'
        when p_media_kind in ('document', 'file') and (
                 split_part(lower(coalesce(p_mime_type, '')), ';', 1) in (
                     'application/pdf', 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
                     'text/plain', 'text/markdown', 'text/x-markdown', 'text/html', 'text/csv')
              or lower(coalesce(p_file_name, '')) ~ '\.(pdf|docx|txt|md|markdown|html?|csv)$') then 'document'
    end
$$;

-- A customer's file is now in the media store (called by chat.complete_media_download, in the download's own
-- transaction): queue what AI should make of it, when the project's provider is enabled and has the model it takes.
-- Queued here, where a file becomes stored, rather than found by the claim or at ingestion: ingestion runs at 10,000
-- events/s and the file is not there yet, and a claim that looked for new stored media would search chat.media (tens
-- of millions of rows, no index by download time) on every poll; here it costs one primary-key probe of
-- bot.ai_providers per downloaded file, in a transaction that already writes that file's row. Media stored before a
-- provider existed is not queued (the agent answers what arrives from then on).
create or replace function bot.on_media_stored(p_media chat.media) returns void
language plpgsql as $$
declare
    v_kind text := bot.ai_media_job_kind(p_media.kind, p_media.mime_type, p_media.file_name);
begin
    if v_kind is null then return; end if;
    insert into bot.ai_media_jobs (message_id, kind, project_id)
    select p_media.message_id, v_kind, p_media.project_id
    from bot.ai_providers pr
    -- imported history (import_run_id) is not new to anyone: no model reads it unasked
    join chat.messages m on m.id = p_media.message_id and m.direction = 'in' and m.import_run_id is null
    where pr.project_id = p_media.project_id and pr.enabled
      and case v_kind when 'transcript' then pr.transcription_model is not null
                      when 'description' then pr.vision_model is not null
                      else true end
    on conflict (message_id, kind) do nothing;
    -- Wakes the Worker's AI media loop at once (it polls too): an agent waits for a voice note's transcript.
    if found then perform pg_notify('ai_media', ''); end if;
end
$$;

-- The Worker's claim: due jobs, oldest first, skipping rows another Worker holds, with the stored file they read and
-- the customer's language (a description is written in it). A job whose attempts all ran out their lease (a Worker
-- that died on it, say on a file that crashes a parser) is failed here with the reason instead of being claimed
-- forever.
create or replace function bot.claim_ai_media_jobs(p_worker text, p_limit int, p_lease_seconds int, p_max_attempts int)
returns table (message_id bigint, kind text, project_id bigint, attempt_count int, conversation_id bigint, media_id bigint,
               storage_key text, mime_type text, file_name text, size_bytes bigint, language text, created_at timestamptz)
language plpgsql as $$
#variable_conflict use_column
begin
    update bot.ai_media_jobs j
    set status = 'failed', locked_by = null, locked_until = null,
        last_error = 'attempts_exhausted: ' || coalesce(j.last_error, 'every attempt ran out its lease')
    where j.status = 'pending' and j.next_attempt_at <= now() and j.attempt_count >= p_max_attempts
      and (j.locked_until is null or j.locked_until < now());

    return query
    with claimed as (
        update bot.ai_media_jobs j
        set locked_by = p_worker, locked_until = now() + make_interval(secs => p_lease_seconds), attempt_count = j.attempt_count + 1
        where (j.message_id, j.kind) in (
            select x.message_id, x.kind from bot.ai_media_jobs x
            where x.status = 'pending' and x.next_attempt_at <= now() and (x.locked_until is null or x.locked_until < now())
            order by x.next_attempt_at
            limit p_limit
            for update skip locked)
        returning j.message_id, j.kind, j.project_id, j.attempt_count, j.created_at
    )
    select c.message_id, c.kind, c.project_id, c.attempt_count, m.conversation_id, md.id, md.storage_key, md.mime_type,
           md.file_name, md.size_bytes, coalesce(ct.language, p.default_language), c.created_at
    from claimed c
    join chat.messages m on m.id = c.message_id
    join chat.conversations cv on cv.id = m.conversation_id
    join chat.contacts ct on ct.id = cv.contact_id
    join core.projects p on p.id = c.project_id
    left join lateral (
        select x.id, x.storage_key, x.mime_type, x.file_name, x.size_bytes from chat.media x
        where x.message_id = c.message_id and x.download_status = 'stored'
          and bot.ai_media_job_kind(x.kind, x.mime_type, x.file_name) = c.kind
        order by x.ordinal limit 1) md on true
    order by c.created_at;
end
$$;

-- Done: the text goes on the message and the consoles are told ('message_updated': the thread reads the message again).
create or replace function bot.complete_ai_media_job(p_message_id bigint, p_kind text, p_worker text, p_text text) returns boolean
language plpgsql as $$
declare
    v_project bigint;
    v_conversation bigint;
begin
    update bot.ai_media_jobs
    set status = 'done', locked_by = null, locked_until = null, last_error = null
    where message_id = p_message_id and kind = p_kind and locked_by = p_worker and status = 'pending'
    returning project_id into v_project;
    if v_project is null then return false; end if;
    update chat.messages set ai_text = p_text, ai_text_kind = p_kind where id = p_message_id
    returning conversation_id into v_conversation;
    perform ops.emit_change(v_project, 'message_updated', v_conversation, p_message_id,
                            jsonb_build_object('aiTextKind', p_kind));
    return true;
end
$$;

-- A transient failure (the provider's 429 or 5xx, a timeout, the media store down): the lease is released and the
-- job comes back after p_delay_ms.
create or replace function bot.retry_ai_media_job(p_message_id bigint, p_kind text, p_worker text, p_error text, p_delay_ms int)
returns boolean
language sql as $$
    update bot.ai_media_jobs
    set locked_by = null, locked_until = null, last_error = p_error,
        next_attempt_at = now() + make_interval(secs => p_delay_ms / 1000.0)
    where message_id = p_message_id and kind = p_kind and locked_by = p_worker and status = 'pending'
    returning true
$$;

-- The end without a text: 'failed' (the provider refused the file, it is not in the store, the attempts ran out) or
-- 'skipped' (too large, a format the provider does not take, no provider any more, the day's budget spent), with the
-- reason.
create or replace function bot.finish_ai_media_job(p_message_id bigint, p_kind text, p_worker text, p_status text, p_reason text)
returns boolean
language sql as $$
    update bot.ai_media_jobs
    set status = p_status, locked_by = null, locked_until = null, last_error = p_reason
    where message_id = p_message_id and kind = p_kind and locked_by = p_worker and status = 'pending'
      and p_status in ('failed', 'skipped')
    returning true
$$;

-- Whether the agent should wait before answering: one of the customer's last three messages, received less than
-- p_max_wait_seconds ago, has a file that is still being downloaded (of a kind AI reads, in a project with a provider)
-- or understood. Answering it now would answer "[voice note]" blind; waiting longer than p_max_wait_seconds would keep
-- the customer waiting for a transcript that may never come, so after that the agent answers with what it has. For
-- bot.claim_ai_conversations: "and not bot.ai_media_pending(a.conversation_id)" among the due conditions, so the
-- conversation stays due and is claimed at the first poll after its media is understood. Reads the thread index
-- backwards, then the media and job rows of at most three messages by their keys.
create or replace function bot.ai_media_pending(p_conversation_id bigint, p_max_wait_seconds int default 60) returns boolean
language sql stable as $$
    select exists (
        select 1
        from (select m.id, m.created_at from chat.messages m
              where m.conversation_id = p_conversation_id and m.direction = 'in'
              order by m.occurred_at desc, m.id desc
              limit 3) recent
        where recent.created_at > now() - make_interval(secs => p_max_wait_seconds)
          and (exists (select 1 from bot.ai_media_jobs j where j.message_id = recent.id and j.status = 'pending')
               or exists (select 1 from chat.media md
                          join bot.ai_providers pr on pr.project_id = md.project_id and pr.enabled
                          where md.message_id = recent.id and md.download_status = 'pending'
                            and bot.ai_media_job_kind(md.kind, md.mime_type, md.file_name) is not null)))
$$;
