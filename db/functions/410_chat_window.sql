-- Meta's customer-service window, per conversation (the rule itself is chat.window_expires_at in 310_chat_reads.sql,
-- shared with the conversation list), and what Meta's refusals tied to its messaging rules leave behind.

-- The window at p_now: open (free-form allowed) until expires_at; closed_since when it has closed (null while open, and
-- when the customer never wrote). via_human_agent: open only thanks to the HUMAN_AGENT tag (past 24 hours on
-- Messenger/Instagram), so a send must carry the tag.
create or replace function chat.window_state(p_conversation_id bigint, p_now timestamptz default now())
returns table (channel text, last_inbound_at timestamptz, expires_at timestamptz, is_open boolean, closed_since timestamptz,
               via_human_agent boolean, human_agent_enabled boolean)
language sql stable as $$
    select cv.channel, cv.last_inbound_at, w.expires_at, coalesce(p_now < w.expires_at, false),
           case when w.expires_at <= p_now then w.expires_at end,
           coalesce(p_now < w.expires_at and p_now >= cv.last_inbound_at + interval '24 hours', false),
           p.human_agent_tag
    from chat.conversations cv
    join core.projects p on p.id = cv.project_id
    cross join lateral (select chat.window_expires_at(cv.channel, cv.last_inbound_at, cv.window_closed_at, p.human_agent_tag)
                               as expires_at) w
    where cv.id = p_conversation_id
$$;

create or replace function core.set_human_agent_tag(p_project_id bigint, p_enabled boolean) returns void
language sql as $$
    update core.projects set human_agent_tag = p_enabled where id = p_project_id
$$;

-- Codes of Meta's messaging rules: the window (131047), marketing caps and opt-outs (131049, 131050) and templates
-- (132000–132099: parameter count, not found, paused, disabled…).
create or replace function chat.is_meta_rule_error(p_code int) returns boolean
language sql immutable as $$
    select p_code in (131047, 131049, 131050) or p_code between 132000 and 132099
$$;

-- A message failed with one of those codes, whichever path set it (the Worker's synchronous refusal in
-- ops.fail_outbox, or a failed status webhook in chat.ingest_staged_statuses / ops.complete_outbox): a trigger, so
-- no path can forget it. It records the error where it can be queried, closes the window on 131047 (Meta knows
-- better than our clock) and, on 131050, records that the customer stopped marketing messages.
create or replace function chat.on_meta_rule_error() returns trigger
language plpgsql as $$
begin
    insert into chat.meta_rule_errors (project_id, conversation_id, message_id, code, title)
    values (new.project_id, new.conversation_id, new.id, new.error_code, new.error_title)
    on conflict (message_id, code) do nothing;
    if not found then return null; end if;

    if new.error_code = 131047 then
        update chat.conversations set window_closed_at = now()
        where id = new.conversation_id and (last_inbound_at is null or last_inbound_at <= now());
        perform ops.emit_change(new.project_id, 'window_closed', new.conversation_id, null, jsonb_build_object('code', new.error_code));
    elsif new.error_code = 131050 then
        insert into chat.consent_events (project_id, contact_id, account_id, scope, action, source, evidence, message_id)
        select new.project_id, cv.contact_id, new.account_id, 'marketing', 'opt_out', 'meta_error',
               'Meta 131050: the customer stopped marketing messages', new.id
        from chat.conversations cv where cv.id = new.conversation_id;
        perform ops.emit_change(new.project_id, 'consent_changed', new.conversation_id, null,
                                jsonb_build_object('action', 'opt_out', 'scope', 'marketing'));
    end if;
    return null;
end
$$;

create or replace trigger messages_meta_rule_error
    after update of error_code on chat.messages
    for each row
    when (new.error_code is distinct from old.error_code and chat.is_meta_rule_error(new.error_code))
    execute function chat.on_meta_rule_error();

-- Recent rule errors of a project, newest first (for supervisors; filter by code).
create or replace function chat.list_meta_rule_errors(p_project_id bigint, p_code int, p_limit int)
returns table (id bigint, conversation_id bigint, message_id bigint, code int, title text, occurred_at timestamptz)
language sql stable as $$
    select e.id, e.conversation_id, e.message_id, e.code, e.title, e.occurred_at
    from chat.meta_rule_errors e
    where e.project_id = p_project_id and (p_code is null or e.code = p_code)
    order by e.occurred_at desc, e.id desc
    limit p_limit
$$;
