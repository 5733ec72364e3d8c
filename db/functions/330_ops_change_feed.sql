-- The Core API's change-feed reader: rows after the last id it pushed, with what it needs to route each one to
-- the consoles allowed to see it (the conversation's queue and assignee, or the explicit recipients of an
-- internal-chat message) and to render it without another query. details: what the kind needs beyond the
-- conversation and message (a lock's owner, a note id, an internal message read at push time, so a purged one
-- is never pushed from the feed). An internal message's card is pushed as hasCard only: every member of the room
-- receives the push, and which customer the card shows depends on the reader's queues, so the console reads the
-- room again (chat.in_sight applied) to show it.
-- p_late_ids: ids the reader passed over because they were not visible yet (a transaction that took its id before
-- another one committed a higher id, and had not committed when the reader read): they are read again with the new
-- rows until they appear or the reader gives up on them (a rolled-back transaction leaves its ids unused for ever).
drop function if exists ops.read_change_feed(bigint, int);
create or replace function ops.read_change_feed(p_after_id bigint, p_limit int, p_late_ids bigint[] default null)
returns table (id bigint, project_id bigint, kind text, conversation_id bigint, message_id bigint, queue_id bigint,
               assigned_user_id bigint, message_status text, message_direction text, message_body text,
               message_occurred_at timestamptz, error_code int, error_title text, unread_count int,
               last_message_preview text, last_message_at timestamptz, details jsonb, recipient_user_ids bigint[])
language sql stable as $$
    select f.id, f.project_id, f.kind, f.conversation_id, f.message_id, cv.queue_id, cv.assigned_user_id,
           m.status, m.direction, left(m.body, 500), m.occurred_at, m.error_code, m.error_title,
           cv.unread_count, cv.last_message_preview, cv.last_message_at,
           case when f.kind = 'internal_message' then
                    (select jsonb_build_object('roomId', im.room_id, 'internalMessageId', im.id, 'authorUserId', im.author_user_id,
                                               'authorName', u.display_name, 'body', im.body, 'hasCard', im.conversation_id is not null,
                                               'createdAt', im.created_at)
                     from internal.messages im join core.users u on u.id = im.author_user_id
                     where im.id = (f.payload ->> 'internalMessageId')::bigint)
                else f.payload end,
           f.recipient_user_ids
    from ops.change_feed f
    left join chat.conversations cv on cv.id = f.conversation_id
    left join chat.messages m on m.id = f.message_id
    where f.id > p_after_id or f.id = any(p_late_ids)
    order by f.id
    limit p_limit
$$;

create or replace function ops.change_feed_head() returns bigint
language sql stable as $$
    select coalesce(max(id), 0) from ops.change_feed
$$;

-- The oldest id still in the feed (the Worker's retention deletes older rows): a console whose last seen id is
-- older has missed changes it can no longer replay, and reloads instead.
create or replace function ops.change_feed_tail() returns bigint
language sql stable as $$
    select coalesce(min(id), 0) from ops.change_feed
$$;

-- A project's data version: the last change-feed id of the project (one index probe on change_feed_project_idx).
-- Cached reads are stored with the version they were read at and served only while it is still current, so no
-- Core API instance can serve a page older than the last write, whichever instance took the write.
create or replace function ops.project_version(p_project_id bigint) returns bigint
language sql stable as $$
    select coalesce(max(id), 0) from ops.change_feed where project_id = p_project_id
$$;
