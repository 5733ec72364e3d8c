-- An event is applied only to accounts of the Meta app whose secret signed it (meta.webhook_events.app_id records
-- that app; normalization matches accounts by app, channel and external id). An account with no app would then
-- receive nothing, so accounts created before this rule are bound to the platform's app when there is exactly
-- one: that is the only app that could have been signing their events. With several apps nothing is guessed;
-- an operator binds them (meta.upsert_account), and until then their events are kept raw and flagged unowned.
update meta.accounts
set app_id = (select min(id) from meta.apps), updated_at = now()
where app_id is null and (select count(*) from meta.apps) = 1;

comment on column meta.accounts.app_id is
    'The Meta app whose webhooks may write into this account. Events signed by another app are kept raw and flagged unowned.';

-- Secrets (app_secret_enc, verify_token_enc, access_token_enc) move to the v2 format of Platform/Secrets/
-- SecretProtector.cs: a key id and associated data naming the table, row and column. The Migrator re-encrypts
-- the v1 values it finds after the SQL migrations (src/Migrator/SecretReencryption.cs); SQL cannot, since the
-- key never reaches the database.
comment on column meta.apps.app_secret_enc is 'v2.<key id>.<base64 nonce|ciphertext|tag>, associated data meta.apps/<meta_app_id>/app_secret';
comment on column meta.apps.verify_token_enc is 'v2.<key id>.<base64 nonce|ciphertext|tag>, associated data meta.apps/<meta_app_id>/verify_token';
comment on column meta.accounts.access_token_enc is 'v2.<key id>.<base64 nonce|ciphertext|tag>, associated data meta.accounts/<id>/access_token';
