-- An app registered, its secret rotated or the app switched off in the console: the Webhook APIs load the apps again at
-- once (NOTIFY meta_apps, AppSecretsRefresher), so the first webhook Meta signs with a new secret verifies. Before, a
-- new app waited for the 30 s refresh or a miss's reload, itself at most every 5 s: Meta's retries of the first
-- webhooks could all fall inside that window. Not on last_signed_event_at and the like: the ingestion writes those.
create function meta.notify_apps_changed() returns trigger
language plpgsql as $$
begin
    perform pg_notify('meta_apps', '');
    return null;
end
$$;

create trigger apps_changed after insert or delete or update of app_secret_enc, verify_token_enc, previous_secret_enc,
    previous_secret_until, is_active, meta_app_id on meta.apps
    for each statement execute function meta.notify_apps_changed();
