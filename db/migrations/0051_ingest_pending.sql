-- Raw events committed but not yet normalized (issue 19, "faster durable ingest"). The Webhook API acknowledges a
-- webhook once its raw event has committed with a row here, and normalizes it in the next transaction, which deletes
-- the row: the raw event is the source of truth, and what is left here after a crash is normalized again from the
-- raw body by any Webhook API (meta.claim_orphaned_events). A narrow queue table, not a flag on meta.webhook_events:
-- setting a flag would rewrite each wide raw row a second time.
create table meta.ingest_pending (
    event_id       bigint primary key,
    pending_since  timestamptz not null default now()
);
