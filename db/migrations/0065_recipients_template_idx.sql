-- Recipients with a template of their own (a language variant), by campaign. ops.number_health (the templates a
-- number's running campaigns use) and mass.auto_stop (the campaigns sending a paused template) looked for them by
-- reading every recipient of the running campaigns: 0.4–0.8 s for a 30,000-recipient campaign under load, inside the
-- snapshot that holds the number's row lock (bench/RESULTS.md, issue 13). Most recipients have none, so the index is
-- small.
create index recipients_template_idx on mass.recipients (campaign_id, template_id) where template_id is not null;
