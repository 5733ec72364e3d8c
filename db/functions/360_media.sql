-- The Core API's side of chat.media: a media send, and what a console reads to show a file. Check, then store: the
-- Core API calls chat.send_media in a transaction (every check a send runs refuses before a byte is written), stores
-- the bytes in the media store, then commits, so a refused send leaves no file and a message never points at a
-- missing one. It never calls Meta (the Worker uploads and sends).

-- Every send of the same file in a project shares its content-addressed key. A send that stored the key and then
-- failed deletes it only if no committed message uses it (chat.forget_media_key); this lock (class 73600, held to
-- commit) keeps that check from running while another send of the same file is storing and committing it.
create or replace function chat.lock_media_key(p_storage_key text) returns void
language sql as $$
    select pg_advisory_xact_lock(73600, hashtext(p_storage_key))
$$;

-- Called in its own transaction after a send that stored p_storage_key failed: true when the file may be deleted
-- (no committed message uses it). The lock is held until that transaction ends, so the caller deletes the file
-- before committing and no send of the same file can store and commit it in between.
create or replace function chat.forget_media_key(p_storage_key text) returns boolean
language plpgsql as $$
begin
    perform chat.lock_media_key(p_storage_key);
    return not exists (select 1 from chat.media where storage_key = p_storage_key);
end
$$;

-- Like chat.send_text (both through chat.queue_outbound, which also enforces the lock): the message (queued, type =
-- the media kind, body = the caption), its chat.media row and its ops.outbox row in one transaction, idempotent on (conversation, client_message_id). A retried request returns the
-- message and media it already created, and stores nothing (the first request stored the same content-addressed key).
-- p_now: the caller's clock for the window check (see chat.queue_outbound).
drop function if exists chat.send_media(bigint, bigint, text, text, text, text, text, bigint, text, text);
create or replace function chat.send_media(p_conversation_id bigint, p_user_id bigint, p_client_message_id text,
                                           p_kind text, p_caption text, p_storage_key text, p_mime_type text,
                                           p_size_bytes bigint, p_sha256 text, p_file_name text,
                                           p_now timestamptz default now(),
                                           out message_id bigint, out media_id bigint, out created boolean)
language plpgsql as $$
begin
    select q.message_id, q.created into message_id, created
    from chat.queue_outbound(p_conversation_id, p_user_id, p_client_message_id, p_kind, p_caption, p_now) q;
    if not created then
        select md.id into media_id from chat.media md where md.message_id = send_media.message_id and md.ordinal = 0;
        return;
    end if;

    perform chat.lock_media_key(p_storage_key);
    insert into chat.media (project_id, message_id, ordinal, kind, mime_type, sha256, file_name, caption, storage_key,
                            size_bytes, download_status)
    select cv.project_id, send_media.message_id, 0, p_kind, p_mime_type, p_sha256, p_file_name, p_caption,
           p_storage_key, p_size_bytes, 'stored'
    from chat.conversations cv where cv.id = p_conversation_id
    returning id into media_id;
end
$$;

-- One media row with the conversation it belongs to (the caller checks the conversation is visible) and its state:
-- pending (not downloaded yet), stored (storage_key readable) or failed (last_error says why).
create or replace function chat.media_item(p_media_id bigint)
returns table (media_id bigint, project_id bigint, conversation_id bigint, message_id bigint, kind text,
               download_status text, storage_key text, mime_type text, file_name text, size_bytes bigint,
               last_error text)
language sql stable as $$
    select md.id, md.project_id, m.conversation_id, m.id, md.kind, md.download_status, md.storage_key, md.mime_type,
           md.file_name, md.size_bytes, md.last_error
    from chat.media md join chat.messages m on m.id = md.message_id
    where md.id = p_media_id
$$;
