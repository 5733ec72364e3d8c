-- The error log (issue 12): unhandled exceptions and loop failures of every service with a database, one row per
-- fingerprint (the same bug) and project, counted, with first and last sighting. Written off the request path in
-- batches (src/Platform/Logging/ErrorLogSink.cs).
create table ops.error_log (
    id              bigint generated always as identity primary key,
    fingerprint     text not null,
    project_id      bigint references core.projects,
    service         text not null,
    instance        text not null,
    exception_type  text not null,
    message         text not null,
    stack           text,
    first_seen      timestamptz not null,
    last_seen       timestamptz not null,
    count           bigint not null,
    last_trace_id   text
);
create unique index error_log_fingerprint on ops.error_log (fingerprint, coalesce(project_id, 0));
create index error_log_project_seen on ops.error_log (project_id, last_seen desc);
