-- When a campaign last told the consoles its counts moved (statuses arriving): at most one such push a second per
-- campaign, from the webhook's own transaction (mass.ingest_statuses).
alter table mass.campaigns add column progress_pushed_at timestamptz;
