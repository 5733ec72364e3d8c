-- The Worker's side of chat.media: the download queue (inbound media fetched from Meta into the media store) and
-- the outbound file a media send uploads to Meta. Like ops.outbox, every call that finishes a row names the worker
-- and changes nothing when the lease was lost (expired and taken over).

-- Claims up to p_limit due downloads: never claimed or lease expired, oldest first, skipping rows another Worker
-- holds. Carries what the download needs: Meta's media id or the direct URL, the expected hash, and the account's
-- encrypted token (decrypted only in the Worker's memory).
drop function if exists chat.claim_media_downloads(text, int, int);
create function chat.claim_media_downloads(p_worker text, p_limit int, p_lease_seconds int)
returns table (media_id bigint, attempt_count int, project_id bigint, message_id bigint, conversation_id bigint,
               account_id bigint, channel text, access_token_enc bytea, kind text, provider_media_id text, url text,
               mime_type text, sha256 text, due_at timestamptz)
language sql as $$
    with claimed as (
        update chat.media md
        set locked_by = p_worker, locked_until = now() + make_interval(secs => p_lease_seconds),
            attempt_count = md.attempt_count + 1
        where md.id in (
            select id from chat.media
            where download_status = 'pending' and next_attempt_at <= now() and (locked_until is null or locked_until < now())
            order by next_attempt_at, id
            for update skip locked
            limit p_limit)
        returning md.id, md.attempt_count, md.project_id, md.message_id, md.kind, md.provider_media_id, md.url,
                  md.mime_type, md.sha256, md.next_attempt_at
    )
    select c.id, c.attempt_count, c.project_id, c.message_id, m.conversation_id, a.id, a.channel, a.access_token_enc,
           c.kind, c.provider_media_id, c.url, c.mime_type, c.sha256, c.next_attempt_at
    from claimed c
    join chat.messages m on m.id = c.message_id
    join meta.accounts a on a.id = m.account_id
    order by c.id
$$;

-- The bytes are in the media store: record where and what, tell the consoles (the bubble can show the file), and
-- queue what AI should make of it (bot.on_media_stored, 444_ai_media.sql: a transcript, a description, a document's text).
create or replace function chat.complete_media_download(p_media_id bigint, p_worker text, p_storage_key text,
                                                        p_mime_type text, p_size_bytes bigint, p_sha256 text)
returns boolean
language plpgsql as $$
declare
    v_row chat.media;
begin
    update chat.media
    set download_status = 'stored', storage_key = p_storage_key, mime_type = coalesce(p_mime_type, mime_type),
        size_bytes = p_size_bytes, sha256 = p_sha256, downloaded_at = now(), locked_by = null, locked_until = null,
        last_error = null
    where id = p_media_id and locked_by = p_worker and download_status = 'pending'
    returning * into v_row;
    if v_row.id is null then return false; end if;
    perform chat.media_changed(v_row);
    perform bot.on_media_stored(v_row);
    return true;
end
$$;

-- A transient failure (5xx, timeout, network): release the lease and try again after p_delay_ms.
create or replace function chat.retry_media_download(p_media_id bigint, p_worker text, p_error text, p_delay_ms int)
returns boolean
language sql as $$
    update chat.media
    set locked_by = null, locked_until = null, last_error = p_error,
        next_attempt_at = now() + make_interval(secs => p_delay_ms / 1000.0)
    where id = p_media_id and locked_by = p_worker and download_status = 'pending'
    returning true
$$;

-- A permanent failure (gone, expired, refused, hash mismatch) or too many attempts: the row ends 'failed' with the
-- reason, and the consoles are told so the bubble stops waiting.
create or replace function chat.fail_media_download(p_media_id bigint, p_worker text, p_reason text)
returns boolean
language plpgsql as $$
declare
    v_row chat.media;
begin
    update chat.media
    set download_status = 'failed', last_error = p_reason, locked_by = null, locked_until = null
    where id = p_media_id and locked_by = p_worker and download_status = 'pending'
    returning * into v_row;
    if v_row.id is null then return false; end if;
    perform chat.media_changed(v_row);
    return true;
end
$$;

-- One change-feed row per finished download ('media_ready' whether stored or failed: the console re-reads the
-- media's state either way), and the wake-up of the Core API's feed reader.
create or replace function chat.media_changed(p_media chat.media) returns void
language plpgsql as $$
begin
    perform ops.emit_change(p_media.project_id, 'media_ready', m.conversation_id, m.id,
                            jsonb_build_object('mediaId', p_media.id, 'status', p_media.download_status))
    from chat.messages m where m.id = p_media.message_id;
end
$$;

-- What an outbound media send uploads: the message's stored file, and Meta's media id if an earlier attempt
-- already uploaded it.
create or replace function chat.outbound_media(p_message_id bigint)
returns table (media_id bigint, kind text, storage_key text, mime_type text, file_name text, size_bytes bigint,
               uploaded_media_id text)
language sql stable as $$
    select id, kind, storage_key, mime_type, file_name, size_bytes, uploaded_media_id
    from chat.media where message_id = p_message_id and download_status = 'stored'
    order by ordinal limit 1
$$;

create or replace function chat.record_media_upload(p_media_id bigint, p_uploaded_media_id text) returns void
language sql as $$
    update chat.media set uploaded_media_id = p_uploaded_media_id where id = p_media_id
$$;
