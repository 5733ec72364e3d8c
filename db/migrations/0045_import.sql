-- Imports from the systems a business leaves behind (issue 18, docs/import.md): id maps in legacy (nothing else lives
-- there), and each run with its counters, resume cursor and every row it could not import in ops.

-- One table for every entity kind rather than one per kind: the importer's functions share one lookup and one
-- uniqueness rule, and a new kind needs no migration. new_id points into the kind's own table (no foreign key: the
-- targets are eight tables; a map row is written in the same transaction as its row, and rows are never deleted).
create table legacy.id_maps (
    project_id     bigint not null references core.projects,
    source_system  text not null check (length(source_system) between 1 and 100),
    kind           text not null check (kind in ('account', 'agent', 'tag', 'template', 'contact', 'conversation',
                                                  'message', 'note')),
    source_id      text not null check (length(source_id) between 1 and 500),
    new_id         bigint not null,
    -- the run that first mapped it: a source id seen again by that same run is a duplicate within the file
    run_id         bigint not null,
    primary key (project_id, source_system, kind, source_id)
);

create table ops.import_runs (
    id             bigint generated always as identity primary key,
    project_id     bigint not null references core.projects,
    source         text not null check (source in ('generic')),
    source_system  text not null check (length(source_system) between 1 and 100),
    file_name      text not null,
    -- SHA-256 of the whole file: an unfinished run of the same file, project and system is resumed, not restarted
    file_sha256    text not null,
    file_bytes     bigint not null,
    status         text not null default 'running' check (status in ('running', 'interrupted', 'completed')),
    -- resume cursor: every line before cursor_line (at byte cursor_offset) is committed, counters included
    cursor_line    bigint not null default 0,
    cursor_offset  bigint not null default 0,
    batches        integer not null default 0,
    started_at     timestamptz not null default now(),
    updated_at     timestamptz not null default now(),
    finished_at    timestamptz,
    last_error     text
);
create index import_runs_project_idx on ops.import_runs (project_id, id desc);
create index import_runs_unfinished_idx on ops.import_runs (project_id, source_system, file_sha256)
    where status in ('running', 'interrupted');

-- The reconciliation: per run and entity, records in the source and what became of them. source = new + present +
-- rejected for every entity, or the report names the gap.
create table ops.import_counts (
    run_id          bigint not null references ops.import_runs,
    project_id      bigint not null references core.projects,
    entity          text not null,
    source_count    bigint not null default 0,
    new_count       bigint not null default 0,
    matched_count   bigint not null default 0,
    present_count   bigint not null default 0,
    rejected_count  bigint not null default 0,
    primary key (run_id, entity)
);

-- Every record not imported (and every optional reference dropped from a record that was imported: entity
-- 'conversation.tag', 'conversation.assignee', 'message.agent'), with its line and a stable reason code.
create table ops.import_rejects (
    id          bigint generated always as identity primary key,
    run_id      bigint not null references ops.import_runs,
    project_id  bigint not null references core.projects,
    line        bigint not null,
    entity      text not null,
    source_id   text,
    reason      text not null,
    detail      text
);
create index import_rejects_run_idx on ops.import_rejects (run_id, line);

-- Which import wrote a message: imported history is ordinary history, except that nothing reacts to it as to a new
-- message (AI media jobs, bots). Nullable without a default, so adding it rewrites nothing.
alter table chat.messages add column import_run_id bigint;
