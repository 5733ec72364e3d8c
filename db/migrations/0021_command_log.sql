-- The command log: every write by an operator, admin, dev or a supervisor configuring, recorded in the same
-- transaction as the write itself (ops.record_command, db/functions/036_ops_command_log.sql). Append-only: rows are
-- never updated, the table is never truncated, and a row may be deleted only once it is older than the one-year
-- minimum retention (the Worker's retention loop, with a configurable longer period). Tamper-evident: each row carries
-- the SHA-256 of the previous row's hash and its own content, so an edit or a removal in the middle breaks the chain
-- (ops.verify_command_log names the first broken row). Secrets are never written here, only that they changed.
create table ops.command_log (
    id              bigint generated always as identity primary key,
    at              timestamptz not null default clock_timestamp(),
    project_id      bigint references core.projects,      -- null: a platform-level command
    actor_user_id   bigint references core.users,         -- null: the command line (./mm operator add)
    actor           text not null,                        -- who, as read at the time: an e-mail or 'command line'
    action          text not null,                        -- e.g. 'operator.add', 'project.create', 'queue.update'
    target_kind     text,
    target_id       text,
    before          jsonb,
    after           jsonb,
    request_id      text,
    client_address  text,
    prev_hash       bytea,
    hash            bytea not null
);
create index command_log_project_at on ops.command_log (project_id, at desc);
create index command_log_at on ops.command_log (at desc);

create function ops.command_log_append_only() returns trigger
language plpgsql as $$
begin
    if tg_op = 'DELETE' and old.at < now() - interval '365 days' then
        return old;
    end if;
    raise exception 'ops.command_log is append-only (% refused)', tg_op using errcode = 'insufficient_privilege';
end
$$;

create trigger command_log_no_update before update or delete on ops.command_log
    for each row execute function ops.command_log_append_only();
create trigger command_log_no_truncate before truncate on ops.command_log
    for each statement execute function ops.command_log_append_only();
