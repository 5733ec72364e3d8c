-- A conversation's messages go out in the order they were written: a bot's welcome before its menu, an agent's two
-- quick replies as typed. The outbox row knows its conversation, and a row is claimed only when no earlier row of the
-- same conversation is still unfinished (ops.claim_outbox). Rows queued before this migration are backfilled.
alter table ops.outbox add column conversation_id bigint;
update ops.outbox o set conversation_id = m.conversation_id
from chat.messages m where m.id = o.message_id and o.completed_at is null;
create index outbox_conversation_pending_idx on ops.outbox (conversation_id, id) where completed_at is null;
