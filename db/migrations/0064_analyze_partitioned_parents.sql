-- Autovacuum never analyzes a partitioned table's parent (only its partitions), so the statistics the planner uses
-- for the whole table (joins to messages, estimates over all partitions) would stay whatever they were when the
-- table was made, which for messages and status events upgraded by 0061 is none. The Worker's retention pass now
-- analyzes each parent when its statistics are older than Retention:AnalyzeParentsHours (ops.analyze_id_partitioned);
-- this is when it last did.
alter table ops.id_partitioned_tables add column analyzed_at timestamptz;
