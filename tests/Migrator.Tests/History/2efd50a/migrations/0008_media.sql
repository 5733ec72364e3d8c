-- Media bytes live in a media store (file system or S3), never in the database: chat.media keeps where they are and
-- what they are. Inbound rows ('pending') are a queue for the Worker's download loop, with the same lease columns as
-- ops.outbox (DESIGN.md); outbound rows are written 'stored' by the Core API, which stored the bytes itself.
alter table chat.media
    add column size_bytes       bigint,
    add column downloaded_at    timestamptz,
    add column created_at       timestamptz not null default now(),
    add column next_attempt_at  timestamptz not null default now(),
    add column locked_by        text,
    add column locked_until     timestamptz,
    add column attempt_count    integer not null default 0,
    add column last_error       text,
    -- Meta's media id of an outbound file once uploaded: a retried send reuses it instead of uploading again.
    add column uploaded_media_id text,
    add constraint media_download_status_check check (download_status in ('pending', 'stored', 'failed'));

create index media_download_due_idx on chat.media (next_attempt_at, id) where download_status = 'pending';

-- New pending rows wake the download loop. Ingestion inserts media set-based (chat.ingest_staged_messages): one
-- statement-level notify per batch, not one per row; NOTIFY is delivered at commit and duplicates within a
-- transaction collapse.
create function chat.notify_media_pending() returns trigger
language plpgsql as $$
begin
    if exists (select 1 from inserted where download_status = 'pending') then
        perform pg_notify('media', '');
    end if;
    return null;
end
$$;

create trigger media_pending_notify after insert on chat.media
    referencing new table as inserted
    for each statement execute function chat.notify_media_pending();
