-- Imports run from the console (issue 18, docs/import.md "From the console"): an admin uploads an export, the Core
-- API keeps the file in the media store and queues a job, and a Worker imports it under a lease with live progress.
-- Sources read directly (Chatwoot, a WhatsApp chat export) are converted to the generic format first; each run keeps
-- the source's field decisions so its report shows what became of every source field.

alter table ops.import_runs drop constraint import_runs_source_check;
alter table ops.import_runs add constraint import_runs_source_check check (source in ('generic', 'chatwoot', 'whatsapp_export'));
-- [{entity, field, decision}]: every field of the source and what became of it (null for the generic format, whose
-- fields docs/import.md maps; the fields a generic file held beyond the format are counted in dropped_fields)
alter table ops.import_runs add column field_decisions jsonb;
-- {"message.foo": 12, ...}: fields present in the file that the generic format does not name, dropped, counted
alter table ops.import_runs add column dropped_fields jsonb not null default '{}';

create table ops.import_jobs (
    id              bigint generated always as identity primary key,
    project_id      bigint not null references core.projects,
    source          text not null check (source in ('generic', 'whatsapp_export')),
    source_system   text not null check (length(source_system) between 1 and 100),
    file_name       text not null check (length(file_name) between 1 and 255),
    -- the uploaded export in the media store (content-addressed: p{project}/import/{sha256})
    storage_key     text not null,
    size_bytes      bigint not null check (size_bytes > 0),
    file_sha256     text not null,
    -- the source's own settings (a WhatsApp export's business names, customer phone, account, time zone)
    options         jsonb not null default '{}',
    status          text not null default 'queued'
                    check (status in ('queued', 'running', 'completed', 'failed', 'cancelled')),
    cancel_requested boolean not null default false,
    run_id          bigint references ops.import_runs,
    requested_by    bigint references core.users,
    created_at      timestamptz not null default now(),
    started_at      timestamptz,
    finished_at     timestamptz,
    -- the Worker importing it: a job whose lease ran out (a Worker killed mid-file) is taken over and resumes at
    -- its run's cursor
    lease_owner     text,
    lease_until     timestamptz,
    attempts        int not null default 0,
    last_error      text
);
create index import_jobs_project_idx on ops.import_jobs (project_id, id desc);
create index import_jobs_due_idx on ops.import_jobs (id) where status in ('queued', 'running');
