-- Set just before the Graph request. A Worker killed between Meta's answer and complete_outbox leaves a row whose
-- send may have reached Meta: whoever takes the lease over sees the marker and dead-letters the row as in doubt
-- instead of sending it a second time (a duplicate the customer would see).
alter table ops.outbox add column send_started_at timestamptz;
