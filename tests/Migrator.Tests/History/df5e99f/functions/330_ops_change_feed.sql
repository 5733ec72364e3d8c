-- The Core API's change-feed reader: rows after the last id it pushed, with what it needs to route each one to
-- the consoles allowed to see it (the conversation's queue and assignee) and to render it without another query.
create or replace function ops.read_change_feed(p_after_id bigint, p_limit int)
returns table (id bigint, project_id bigint, kind text, conversation_id bigint, message_id bigint, queue_id bigint,
               assigned_user_id bigint, message_status text, message_direction text, message_body text,
               message_occurred_at timestamptz, error_code int, error_title text, unread_count int,
               last_message_preview text, last_message_at timestamptz)
language sql stable as $$
    select f.id, f.project_id, f.kind, f.conversation_id, f.message_id, cv.queue_id, cv.assigned_user_id,
           m.status, m.direction, left(m.body, 500), m.occurred_at, m.error_code, m.error_title,
           cv.unread_count, cv.last_message_preview, cv.last_message_at
    from ops.change_feed f
    left join chat.conversations cv on cv.id = f.conversation_id
    left join chat.messages m on m.id = f.message_id
    where f.id > p_after_id
    order by f.id
    limit p_limit
$$;

create or replace function ops.change_feed_head() returns bigint
language sql stable as $$
    select coalesce(max(id), 0) from ops.change_feed
$$;

-- A project's data version: the last change-feed id of the project (one index probe on change_feed_project_idx).
-- Cached reads are stored with the version they were read at and served only while it is still current, so no
-- Core API instance can serve a page older than the last write, whichever instance took the write.
create or replace function ops.project_version(p_project_id bigint) returns bigint
language sql stable as $$
    select coalesce(max(id), 0) from ops.change_feed where project_id = p_project_id
$$;
