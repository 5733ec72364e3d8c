-- The unique keys of messages and status events (migration 0061 says why they live in narrow tables, not in unique
-- indexes of the partitioned tables). Row triggers keep them for every writer: the console's sends, mass sends, calls,
-- the AI agents and chatbots, tests. Ingestion claims a batch's keys itself in one statement (110, 120; see the WHEN
-- clauses below).
--   chat.message_provider_ids  (account, Meta's id)            -> the message
--   chat.message_client_ids    (conversation, console's key)   -> the message
--   chat.message_status_keys   (account, Meta's id, status)
-- An insert whose key is already taken is skipped (the trigger returns null), which is what every inserter of these
-- tables asked for with ON CONFLICT DO NOTHING when the keys were unique indexes: RETURNING and the row count leave it
-- out, and an insert racing an uncommitted one with the same key waits for it, as on a unique index. An update that
-- gives a message a Meta id already taken fails with unique_violation, as it did.
-- Like foreign keys, these triggers do not fire under session_replication_role = replica: the import, which inserts
-- that way, claims its keys itself (legacy.import_messages).

create or replace function chat.claim_message_keys() returns trigger
language plpgsql as $$
begin
    if tg_op = 'INSERT' then
        if new.provider_message_id is not null then
            insert into chat.message_provider_ids (account_id, provider_message_id, message_id)
            values (new.account_id, new.provider_message_id, new.id)
            on conflict do nothing;
            -- Taken by another message: skipped. Taken by this very row (the import claims before it inserts): kept.
            if not found and not exists (select 1 from chat.message_provider_ids
                                         where account_id = new.account_id and provider_message_id = new.provider_message_id
                                           and message_id = new.id) then
                return null;
            end if;
        end if;
        if new.client_message_id is not null then
            insert into chat.message_client_ids (conversation_id, client_message_id, message_id)
            values (new.conversation_id, new.client_message_id, new.id)
            on conflict do nothing;
            if not found then
                delete from chat.message_provider_ids
                where account_id = new.account_id and provider_message_id = new.provider_message_id and message_id = new.id;
                return null;
            end if;
        end if;
        return new;
    end if;
    -- UPDATE of a key (the trigger's WHEN lets only those through): the old key is released, the new one claimed.
    if (new.account_id, new.provider_message_id) is distinct from (old.account_id, old.provider_message_id) then
        delete from chat.message_provider_ids
        where account_id = old.account_id and provider_message_id = old.provider_message_id and message_id = old.id;
        if new.provider_message_id is not null then
            insert into chat.message_provider_ids (account_id, provider_message_id, message_id)
            values (new.account_id, new.provider_message_id, new.id);
        end if;
    end if;
    if (new.conversation_id, new.client_message_id) is distinct from (old.conversation_id, old.client_message_id) then
        delete from chat.message_client_ids
        where conversation_id = old.conversation_id and client_message_id = old.client_message_id and message_id = old.id;
        if new.client_message_id is not null then
            insert into chat.message_client_ids (conversation_id, client_message_id, message_id)
            values (new.conversation_id, new.client_message_id, new.id);
        end if;
    end if;
    return new;
end
$$;

-- A deleted message gives its keys back (nothing in the product deletes messages; tests and operators may).
create or replace function chat.release_message_keys() returns trigger
language plpgsql as $$
begin
    delete from chat.message_provider_ids
    where account_id = old.account_id and provider_message_id = old.provider_message_id and message_id = old.id;
    delete from chat.message_client_ids
    where conversation_id = old.conversation_id and client_message_id = old.client_message_id and message_id = old.id;
    return null;
end
$$;

create or replace function chat.claim_status_key() returns trigger
language plpgsql as $$
begin
    insert into chat.message_status_keys (account_id, provider_message_id, status)
    values (new.account_id, new.provider_message_id, new.status)
    on conflict do nothing;
    if not found then return null; end if;
    return new;
end
$$;

create or replace function chat.release_status_key() returns trigger
language plpgsql as $$
begin
    delete from chat.message_status_keys
    where account_id = old.account_id and provider_message_id = old.provider_message_id and status = old.status;
    return null;
end
$$;

-- The WHEN clauses keep the function calls off the rows without keys (most messages the console sends have no Meta id
-- yet), off the updates that change no key (every status a message takes), and off ingestion's batches, which claim
-- their keys set-based in one statement and say so for that statement (mm.keys_claimed; 110 and 120): a plpgsql call
-- per row was a third of a batch's time.
create or replace trigger messages_claim_keys
    before insert on chat.messages
    for each row when ((new.provider_message_id is not null or new.client_message_id is not null)
                       and current_setting('mm.keys_claimed', true) is distinct from 'on')
    execute function chat.claim_message_keys();
create or replace trigger messages_move_keys
    before update of account_id, provider_message_id, conversation_id, client_message_id on chat.messages
    for each row when ((new.account_id, new.provider_message_id, new.conversation_id, new.client_message_id)
                       is distinct from (old.account_id, old.provider_message_id, old.conversation_id, old.client_message_id))
    execute function chat.claim_message_keys();
create or replace trigger messages_release_keys
    after delete on chat.messages
    for each row when (old.provider_message_id is not null or old.client_message_id is not null)
    execute function chat.release_message_keys();
create or replace trigger message_status_events_claim_key
    before insert on chat.message_status_events
    for each row when (new.provider_message_id is not null and current_setting('mm.keys_claimed', true) is distinct from 'on')
    execute function chat.claim_status_key();
create or replace trigger message_status_events_release_key
    after delete on chat.message_status_events
    for each row when (old.provider_message_id is not null)
    execute function chat.release_status_key();
