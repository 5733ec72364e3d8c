-- An event the normalizing stage fails on for a reason other than its data (the database refuses data at once, and
-- the event is kept raw with ingest_error): a defect, an exception in the parser, a lock that keeps timing out. The
-- orphan pass used to take such an event again every pass, for ever, holding back the orphans claimed with it. Each
-- failure of the event on its own is now counted on its pending row, with the last reason; at Ingest:MaxAttempts it is
-- kept raw with ingest_error and that reason (meta.note_normalize_failure), where an operator sees it.
alter table meta.ingest_pending
    add column attempts int not null default 0,
    add column last_error text;
