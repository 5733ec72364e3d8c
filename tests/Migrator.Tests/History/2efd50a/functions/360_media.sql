-- The Core API's side of chat.media: a media send, and what a console reads to show a file. The Core API stores the
-- bytes in the media store before calling chat.send_media; it never calls Meta (the Worker uploads and sends).

-- Like chat.send_text (both through chat.queue_outbound, which also enforces the lock): the message (queued, type =
-- the media kind, body = the caption), its chat.media row and its ops.outbox row in one transaction, idempotent on (conversation, client_message_id). A retried request returns the
-- message and media it already created; its bytes went to the same content-addressed key, so nothing is orphaned.
create or replace function chat.send_media(p_conversation_id bigint, p_user_id bigint, p_client_message_id text,
                                           p_kind text, p_caption text, p_storage_key text, p_mime_type text,
                                           p_size_bytes bigint, p_sha256 text, p_file_name text,
                                           out message_id bigint, out media_id bigint, out created boolean)
language plpgsql as $$
begin
    select q.message_id, q.created into message_id, created
    from chat.queue_outbound(p_conversation_id, p_user_id, p_client_message_id, p_kind, p_caption) q;
    if not created then
        select md.id into media_id from chat.media md where md.message_id = send_media.message_id and md.ordinal = 0;
        return;
    end if;

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
