-- A customer message that arrives while a Worker steps a session (the session is leased) was lost until the customer
-- wrote again or the session expired: ingestion's wake set due_at on the leased row (only in phase input, and a
-- session's first step runs in phase run), and the step's commit then wrote due_at over it (waiting → expires_at).
-- bot.flow_on_messages now also keeps the wake-up here, bot.claim_flow_sessions clears it before it reads the step's
-- inputs, and bot.flow_commit makes the session due at this time rather than at its expiry. A mark, not a comparison
-- of message ids at commit: what a step consumed is what the claim gave it, a first step's trigger among them, and a
-- mark still set at the commit came after that claim (the comparison, tried in 3b5f504, was taken back when a first
-- step re-asked its menu in CI). Null: no message since the claim.
alter table bot.flow_sessions add column wake_at timestamptz;
