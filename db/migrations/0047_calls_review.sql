-- Calls, after review (docs/calls.md "Ingestion", "Outcomes"):
--   * no_answer: a business call the customer did not pick up (it rang out, or Meta ended it unanswered), apart from
--     missed (a customer's call nobody here took) — each side's view of an unanswered call;
--   * placed_outside: a business call Meta reported that this platform never placed (another app or the WhatsApp
--     Business app on the same number), kept so the thread and the switchboard's history are complete;
--   * one pending permission lookup per number and customer: the Core API queues one when the stored permission is
--     stale, and a console asking again while it is pending must not queue a second.
alter table calls.calls drop constraint if exists calls_outcome_check;
alter table calls.calls add constraint calls_outcome_check
    check (outcome in ('completed', 'missed', 'no_answer', 'rejected', 'failed', 'cancelled'));
alter table calls.calls add column placed_outside boolean not null default false;
create unique index actions_pending_lookup_key on calls.actions (account_id, contact_id)
    where kind = 'permission_lookup' and state = 'pending';
