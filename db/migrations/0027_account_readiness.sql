-- Account readiness and paused sends, stated rather than inferred (issue 12).

-- first_webhook_at: the first webhook of this account the Webhook API accepted (a message, echo or status signed by
-- its app). Readiness used to read "has a conversation", which an agent's first outbound message also makes. Stamped
-- once by meta.ingest_staged; the partial index keeps that a probe of an empty index once every account has one.
-- sends_paused_at: Meta refused the account's token (190) or the account needs attention; the outbox does not claim
-- its rows until a validation says valid. Separate from validation_status so a new token (status back to pending)
-- keeps the sends paused until the Worker has checked it: a wrong token then pauses again instead of being tried on
-- every waiting message.
alter table meta.accounts
    add column first_webhook_at timestamptz,
    add column sends_paused_at timestamptz;
create index accounts_awaiting_first_webhook on meta.accounts (id) where first_webhook_at is null;

-- Earlier webhooks were not timestamped per account: the upgrade's time stands for "received before".
update meta.accounts a set first_webhook_at = now()
where exists (select 1 from chat.messages m where m.account_id = a.id and m.event_id is not null);
update meta.accounts set sends_paused_at = updated_at where validation_status = 'needs_attention';
