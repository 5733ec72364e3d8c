-- Dead letters from Ops: listed with what became of them, replayed or discarded (migrations/0025). Both are
-- configuring writes, recorded in the command log.

drop function if exists ops.list_dead_letters(bigint, int);
create or replace function ops.list_dead_letters(p_project_id bigint, p_limit int, p_state text default 'open')
returns table (id bigint, outbox_id bigint, message_id bigint, conversation_id bigint, reason text, error_code int,
               attempts int, created_at timestamptz, error_title text, state text)
language sql stable as $$
    select d.id, d.outbox_id, d.message_id, m.conversation_id, d.reason, d.error_code, d.attempts, d.created_at, m.error_title,
           case when d.replayed_at is not null then 'replayed' when d.discarded_at is not null then 'discarded'
                when d.resolved_at is not null then 'resolved' else 'open' end
    from ops.dead_letters d left join chat.messages m on m.id = d.message_id
    where d.project_id = p_project_id
      and (p_state = 'all' or (p_state = 'open' and d.replayed_at is null and d.discarded_at is null and d.resolved_at is null))
    order by d.id desc
    limit p_limit
$$;

-- Sends the dead-lettered message again, as itself: its outbox row is due again with fresh attempts and the message
-- is queued. Never twice: a dead letter replays once (row lock; a double click is 'already_handled'), and it is
-- skipped when Meta may have the message already (in doubt) or an agent already retried it as a new message.
-- outcome: replayed, or skipped with the reason.
create or replace function ops.replay_dead_letter(p_project_id bigint, p_dead_letter_id bigint, p_user_id bigint,
                                                  out outcome text, out reason text)
language plpgsql as $$
declare
    v_dead ops.dead_letters;
    v_message chat.messages;
begin
    select * into v_dead from ops.dead_letters where id = p_dead_letter_id and project_id = p_project_id for update;
    if v_dead.id is null then outcome := 'skipped'; reason := 'not_found'; return; end if;
    if v_dead.replayed_at is not null or v_dead.discarded_at is not null or v_dead.resolved_at is not null then
        outcome := 'skipped'; reason := 'already_handled'; return;
    end if;
    if v_dead.reason like 'in_doubt%' then outcome := 'skipped'; reason := 'in_doubt'; return; end if;
    select * into v_message from chat.messages where id = v_dead.message_id for update;
    if v_message.id is null or v_message.status <> 'failed' then outcome := 'skipped'; reason := 'not_failed'; return; end if;
    if exists (select 1 from chat.messages r where r.conversation_id = v_message.conversation_id and r.client_message_id = 'retry:' || v_message.id) then
        outcome := 'skipped'; reason := 'retried_by_agent'; return;
    end if;

    update ops.outbox set completed_at = null, next_attempt_at = now(), attempt_count = 0, locked_by = null, locked_until = null,
                          send_started_at = null, last_error = null
    where id = v_dead.outbox_id;
    update chat.messages set status = 'queued', status_rank = chat.status_rank('queued'), status_at = now(),
                             error_code = null, error_title = null, error_details = null
    where id = v_message.id;
    update ops.dead_letters set replayed_at = now(), replayed_by = p_user_id where id = v_dead.id;
    perform ops.record_command(p_project_id, p_user_id, 'dead_letter.replay', 'dead_letter', v_dead.id::text,
                               jsonb_build_object('reason', v_dead.reason, 'messageId', v_dead.message_id), null);
    perform ops.emit_change(p_project_id, 'message_status', v_message.conversation_id, v_message.id);
    perform pg_notify('outbox', '');
    outcome := 'replayed';
end
$$;

create or replace function ops.discard_dead_letter(p_project_id bigint, p_dead_letter_id bigint, p_user_id bigint, p_reason text,
                                                   out outcome text, out reason text)
language plpgsql as $$
declare
    v_dead ops.dead_letters;
begin
    select * into v_dead from ops.dead_letters where id = p_dead_letter_id and project_id = p_project_id for update;
    if v_dead.id is null then outcome := 'skipped'; reason := 'not_found'; return; end if;
    if v_dead.replayed_at is not null or v_dead.discarded_at is not null or v_dead.resolved_at is not null then
        outcome := 'skipped'; reason := 'already_handled'; return;
    end if;
    update ops.dead_letters set discarded_at = now(), discarded_by = p_user_id, discard_reason = p_reason where id = v_dead.id;
    perform ops.record_command(p_project_id, p_user_id, 'dead_letter.discard', 'dead_letter', v_dead.id::text,
                               jsonb_build_object('reason', v_dead.reason), jsonb_build_object('discardReason', p_reason));
    outcome := 'discarded';
end
$$;
