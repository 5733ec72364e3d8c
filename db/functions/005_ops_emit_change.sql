-- The one way a database function tells the consoles that something changed: a durable ops.change_feed row (the Core
-- API reads rows after the last id it pushed, so a lost notification loses nothing) and a wake-up on 'change_feed'.
-- PostgreSQL folds identical notifications of one transaction into one, so calling this per row costs one NOTIFY.
create or replace function ops.emit_change(
    p_project_id bigint,
    p_kind text,
    p_conversation_id bigint default null,
    p_message_id bigint default null,
    p_payload jsonb default null,
    p_recipient_user_ids bigint[] default null)
returns bigint
language plpgsql as $$
declare
    v_id bigint;
begin
    insert into ops.change_feed (project_id, kind, conversation_id, message_id, payload, recipient_user_ids)
    values (p_project_id, p_kind, p_conversation_id, p_message_id, p_payload, p_recipient_user_ids)
    returning id into v_id;
    perform pg_notify('change_feed', '');
    return v_id;
end
$$;
