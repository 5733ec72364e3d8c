-- A send whose outcome is unknown (the request timed out, or its Worker died mid-request) is confirmed by Meta's own
-- status webhook: WhatsApp echoes biz_opaque_callback_data (our message id) in every status of the message. A dead
-- letter written for such a send before the confirmation came is marked resolved rather than deleted, so operators
-- still see what happened.
alter table ops.dead_letters
    add column resolved_at timestamptz,
    add column resolution text;

-- The account's send throughput (messages per second) as Meta grants it: 80 by default for a WhatsApp number, 1,000
-- once upgraded, 20 for a number shared with the WhatsApp Business app. Null: the Worker's configured default.
-- Workers share it: each paces at this rate divided by the Workers alive on the outbox.
alter table meta.accounts add column messages_per_second numeric
    constraint accounts_messages_per_second_check check (messages_per_second > 0 and messages_per_second <= 100000);

-- A confirming status finds its outbox row and dead letter by message.
create index outbox_message_idx on ops.outbox (message_id);
create index dead_letters_message_idx on ops.dead_letters (message_id);
