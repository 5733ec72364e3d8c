-- The Core API's side of chat.media: a media send, and what a console reads to show a file. The Core API stores the
-- bytes in the media store before calling chat.send_media; it never calls Meta (the Worker uploads and sends).

-- Like chat.send_text: the message (queued, type = the media kind, body = the caption), its chat.media row and its
-- ops.outbox row in one transaction, idempotent on (conversation, client_message_id). A retried request returns the
-- message and media it already created; its bytes went to the same content-addressed key, so nothing is orphaned.
create or replace function chat.send_media(p_conversation_id bigint, p_user_id bigint, p_client_message_id text,
                                           p_kind text, p_caption text, p_storage_key text, p_mime_type text,
                                           p_size_bytes bigint, p_sha256 text, p_file_name text,
                                           out message_id bigint, out media_id bigint, out created boolean)
language plpgsql as $$
declare
    v_conversation chat.conversations;
begin
    select * into v_conversation from chat.conversations where id = p_conversation_id;

    insert into chat.messages (project_id, conversation_id, account_id, direction, type, body, status, status_rank,
                               occurred_at, client_message_id, sent_by_user_id)
    values (v_conversation.project_id, v_conversation.id, v_conversation.account_id, 'out', p_kind, p_caption, 'queued',
            chat.status_rank('queued'), now(), p_client_message_id, p_user_id)
    on conflict (conversation_id, client_message_id) where client_message_id is not null do nothing
    returning id into message_id;

    created := message_id is not null;
    if not created then
        select m.id, md.id into message_id, media_id
        from chat.messages m left join chat.media md on md.message_id = m.id and md.ordinal = 0
        where m.conversation_id = p_conversation_id and m.client_message_id = p_client_message_id;
        return;
    end if;

    insert into chat.media (project_id, message_id, ordinal, kind, mime_type, sha256, file_name, caption, storage_key,
                            size_bytes, download_status)
    values (v_conversation.project_id, message_id, 0, p_kind, p_mime_type, p_sha256, p_file_name, p_caption,
            p_storage_key, p_size_bytes, 'stored')
    returning id into media_id;

    insert into ops.outbox (project_id, account_id, message_id) values (v_conversation.project_id, v_conversation.account_id, message_id);

    update chat.conversations
    set last_message_id = message_id, last_message_at = now(), last_message_direction = 'out', last_message_type = p_kind,
        last_message_preview = left(coalesce(nullif(p_caption, ''), '[' || p_kind || ']'), 280)
    where id = p_conversation_id;

    insert into ops.change_feed (project_id, kind, conversation_id, message_id)
    values (v_conversation.project_id, 'message_created', p_conversation_id, message_id);
    perform pg_notify('outbox', '');
    perform pg_notify('change_feed', '');
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
