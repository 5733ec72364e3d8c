-- No statistics on the wide JSON columns no query filters or joins by: the raw payloads of messages and status events
-- and the status's conversation object. ANALYZE sorted 30,000 sampled JSON values of each to build statistics nothing
-- reads. During a campaign autovacuum analyzes these partitions about once a minute while they are young, and those
-- analyzes took 0.2–0.4 s of CPU each, on cores the sends and replies share (bench/RESULTS.md, issue 13). Measured on
-- 22,000 messages and 66,000 status events: 342 → 189 ms and 410 → 220 ms an ANALYZE. SET STATISTICS on the parent
-- reaches every partition; ops.ensure_id_partitions copies it to the partitions it makes.
alter table chat.messages alter column payload set statistics 0;
alter table chat.message_status_events alter column payload set statistics 0, alter column conversation set statistics 0;
