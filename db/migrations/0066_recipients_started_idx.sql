-- Recipients by when their send started, per campaign: the planner's daily cap (mass.active_campaigns) counts today's
-- sends five times a second. Without it each count read every recipient of the campaign (a million for a
-- 1,000,000-recipient campaign); with it, at most the cap's worth of index entries.
create index recipients_started_idx on mass.recipients (campaign_id, send_started_at) where send_started_at is not null;
