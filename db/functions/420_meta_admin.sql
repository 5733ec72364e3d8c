-- Meta apps and accounts from the console (migrations/0024_meta_admin.sql). Secrets and tokens arrive encrypted by the
-- Core API (the key never reaches the database) and never leave through these functions. Every configuring write
-- records itself in the command log, with secrets redacted ("set", never a value).

-- ── Apps ────────────────────────────────────────────────────────────────────────────────────────────────────

-- The apps a project may use: its own and the platform's.
create or replace function meta.project_apps(p_project_id bigint)
returns table (id bigint, meta_app_id text, name text, own boolean, previous_secret_until timestamptz, last_verified_at timestamptz,
               last_signed_event_at timestamptz, accounts int, created_at timestamptz)
language sql stable as $$
    select a.id, a.meta_app_id, a.name, a.project_id is not null,
           case when a.previous_secret_until > now() then a.previous_secret_until end,
           a.last_verified_at, a.last_signed_event_at,
           (select count(*)::int from meta.accounts x where x.app_id = a.id and x.project_id = p_project_id), a.created_at
    from meta.apps a
    where a.is_active and (a.project_id = p_project_id or a.project_id is null)
    order by a.name, a.id
$$;

-- refusal: app_registered (the Meta app id is registered already, here or in another project).
create or replace function meta.register_app(p_project_id bigint, p_meta_app_id text, p_name text, p_secret_enc bytea, p_verify_token_enc bytea,
                                             out app_id bigint, out refusal text)
language plpgsql as $$
begin
    insert into meta.apps (project_id, meta_app_id, name, app_secret_enc, verify_token_enc)
    values (p_project_id, p_meta_app_id, p_name, p_secret_enc, p_verify_token_enc)
    on conflict (meta_app_id) do nothing
    returning id into app_id;
    if app_id is null then refusal := 'app_registered'; return; end if;
    perform ops.record_command(p_project_id, null, 'meta_app.register', 'meta_app', app_id::text, null,
                               jsonb_build_object('metaAppId', p_meta_app_id, 'name', p_name, 'appSecret', 'set', 'verifyToken', 'set'));
end
$$;

-- The project's own app only (a platform app is the operator's). Null arguments keep the value.
create or replace function meta.update_app(p_project_id bigint, p_app_id bigint, p_name text, p_verify_token_enc bytea) returns boolean
language plpgsql as $$
declare
    v_before jsonb := (select jsonb_build_object('name', name) from meta.apps where id = p_app_id and project_id = p_project_id);
begin
    if v_before is null then return false; end if;
    update meta.apps set name = coalesce(p_name, name), verify_token_enc = coalesce(p_verify_token_enc, verify_token_enc), updated_at = now()
    where id = p_app_id;
    perform ops.record_command(p_project_id, null, 'meta_app.update', 'meta_app', p_app_id::text, v_before,
        jsonb_build_object('name', coalesce(p_name, v_before->>'name')) || case when p_verify_token_enc is null then '{}' else '{"verifyToken":"changed"}' end);
    return true;
end
$$;

-- A new app secret; the one it replaces keeps verifying until p_overlap_until (Meta's own rotation lets both work
-- for a while, and events already in flight were signed with the old one).
create or replace function meta.rotate_app_secret(p_project_id bigint, p_app_id bigint, p_secret_enc bytea, p_previous_enc bytea,
                                                  p_overlap_until timestamptz) returns boolean
language plpgsql as $$
begin
    update meta.apps set app_secret_enc = p_secret_enc, previous_secret_enc = p_previous_enc, previous_secret_until = p_overlap_until,
                         updated_at = now()
    where id = p_app_id and project_id = p_project_id;
    if not found then return false; end if;
    perform ops.record_command(p_project_id, null, 'meta_app.rotate_secret', 'meta_app', p_app_id::text, null,
                               jsonb_build_object('appSecret', 'changed', 'previousVerifiesUntil', p_overlap_until));
    return true;
end
$$;

-- The encrypted values the Core API needs to rotate (it re-encrypts the current secret as the previous one).
create or replace function meta.app_secret_for_rotation(p_project_id bigint, p_app_id bigint)
returns table (meta_app_id text, app_secret_enc bytea)
language sql stable as $$
    select meta_app_id, app_secret_enc from meta.apps where id = p_app_id and project_id = p_project_id
$$;

-- The Webhook API reports that the wiring works: a verification handshake, signed events seen (batched per app).
create or replace function meta.app_seen(p_app_ids bigint[], p_verified boolean) returns void
language sql as $$
    update meta.apps set last_verified_at = case when p_verified then now() else last_verified_at end,
                         last_signed_event_at = case when p_verified then last_signed_event_at else now() end
    where id = any(p_app_ids)
$$;

-- ── Accounts ────────────────────────────────────────────────────────────────────────────────────────────────

create or replace function meta.account_state(p_account_id bigint) returns jsonb
language sql stable as $$
    select jsonb_build_object('channel', channel, 'externalId', external_id, 'wabaId', waba_id, 'name', name, 'appId', app_id,
                              'defaultQueueId', default_queue_id, 'messagesPerSecond', messages_per_second, 'status', validation_status)
    from meta.accounts where id = p_account_id
$$;

-- first_webhook: kept beside first_webhook_at for the console's readiness mark. connection: active, disconnecting (the
-- Worker is unsubscribing the app), disconnected.
drop function if exists meta.project_accounts(bigint);
create function meta.project_accounts(p_project_id bigint)
returns table (id bigint, channel text, external_id text, waba_id text, name text, display_phone_number text, verified_name text,
               quality_rating text, messaging_limit text, throughput_level text, app_id bigint, default_queue_id bigint,
               messages_per_second double precision, validation_status text, validation_error text, validated_at timestamptz,
               subscribed_at timestamptz, token_set boolean, first_webhook boolean, first_webhook_at timestamptz, sends_paused_at timestamptz,
               connection text)
language sql stable as $$
    select a.id, a.channel, a.external_id, a.waba_id, a.name, a.display_phone_number, a.verified_name, a.quality_rating,
           a.messaging_limit, a.throughput_level, a.app_id, a.default_queue_id, a.messages_per_second::double precision,
           a.validation_status, a.validation_error, a.validated_at, a.subscribed_at, a.access_token_enc is not null,
           a.first_webhook_at is not null, a.first_webhook_at, a.sends_paused_at, a.status
    from meta.accounts a
    where a.project_id = p_project_id
    order by a.channel, a.name, a.id
$$;

-- A new account, pending validation by the Worker (NOTIFY accounts wakes it). refusal: account_taken (that external
-- id is connected already: one account belongs to one project), unknown_app (not an app this project may use),
-- unknown_queue.
create or replace function meta.connect_account(p_project_id bigint, p_app_id bigint, p_channel text, p_external_id text, p_waba_id text,
                                                p_name text, p_default_queue_id bigint, out account_id bigint, out refusal text)
language plpgsql as $$
begin
    if not exists (select 1 from meta.apps where id = p_app_id and is_active and (project_id = p_project_id or project_id is null)) then
        refusal := 'unknown_app'; return;
    end if;
    if p_default_queue_id is not null and not core.queue_in_project(p_project_id, p_default_queue_id) then
        refusal := 'unknown_queue'; return;
    end if;
    insert into meta.accounts (project_id, app_id, channel, external_id, waba_id, name, default_queue_id, validation_status)
    values (p_project_id, p_app_id, p_channel, p_external_id, p_waba_id, p_name, p_default_queue_id, 'pending')
    on conflict (channel, external_id) do nothing
    returning id into account_id;
    if account_id is null then
        -- Connected again after a disconnect, in the project that had it (its conversations are this project's): the
        -- same row, pending a new token. Another project still finds it taken.
        update meta.accounts
        set status = 'active', app_id = p_app_id, waba_id = p_waba_id, name = p_name, default_queue_id = p_default_queue_id,
            validation_status = 'pending', validation_error = null, validation_attempts = 0, validation_locked_until = null,
            updated_at = now()
        where channel = p_channel and external_id = p_external_id and project_id = p_project_id and status = 'disconnected'
        returning id into account_id;
    end if;
    if account_id is null then refusal := 'account_taken'; return; end if;
    perform ops.record_command(p_project_id, null, 'account.connect', 'account', account_id::text, null, meta.account_state(account_id));
end
$$;

-- The token arrives after the row exists (its encryption names the row). A new token re-validates the account and,
-- once valid, resumes its paused sends: they stay paused while it is pending (sends_paused_at is only cleared by a
-- valid verdict), so a wrong token is caught once by the Worker instead of once per waiting message.
create or replace function meta.set_account_token(p_project_id bigint, p_account_id bigint, p_token_enc bytea) returns boolean
language plpgsql as $$
begin
    update meta.accounts set access_token_enc = p_token_enc, validation_status = 'pending', validation_error = null,
                             validation_attempts = 0, validation_locked_until = null, updated_at = now()
    where id = p_account_id and project_id = p_project_id and status = 'active';
    if not found then return false; end if;
    perform ops.record_command(p_project_id, null, 'account.token', 'account', p_account_id::text, null, jsonb_build_object('accessToken', 'set'));
    perform ops.emit_change(p_project_id, 'account_changed', null, null, jsonb_build_object('accountId', p_account_id, 'status', 'pending'));
    perform pg_notify('accounts', p_account_id::text);
    return true;
end
$$;

create or replace function meta.revalidate_account(p_project_id bigint, p_account_id bigint) returns boolean
language plpgsql as $$
begin
    update meta.accounts set validation_status = 'pending', validation_attempts = 0, validation_locked_until = null, updated_at = now()
    where id = p_account_id and project_id = p_project_id and access_token_enc is not null and status = 'active';
    if not found then return false; end if;
    perform ops.record_command(p_project_id, null, 'account.revalidate', 'account', p_account_id::text, null, null);
    perform ops.emit_change(p_project_id, 'account_changed', null, null, jsonb_build_object('accountId', p_account_id, 'status', 'pending'));
    perform pg_notify('accounts', p_account_id::text);
    return true;
end
$$;

-- Default queue and throughput (messages per second; null: the Worker's default). refusal: not_found, unknown_queue.
create or replace function meta.update_account(p_project_id bigint, p_account_id bigint, p_name text, p_default_queue_id bigint,
                                               p_clear_queue boolean, p_messages_per_second numeric, p_clear_rate boolean) returns text
language plpgsql as $$
declare
    v_before jsonb := meta.account_state(p_account_id);
begin
    if not exists (select 1 from meta.accounts where id = p_account_id and project_id = p_project_id) then return 'not_found'; end if;
    if p_default_queue_id is not null and not core.queue_in_project(p_project_id, p_default_queue_id) then return 'unknown_queue'; end if;
    update meta.accounts
    set name = coalesce(p_name, name),
        default_queue_id = case when p_clear_queue then null else coalesce(p_default_queue_id, default_queue_id) end,
        messages_per_second = case when p_clear_rate then null else coalesce(p_messages_per_second, messages_per_second) end,
        updated_at = now()
    where id = p_account_id;
    perform ops.record_command(p_project_id, null, 'account.update', 'account', p_account_id::text, v_before, meta.account_state(p_account_id));
    return null;
end
$$;

-- ── The Worker's validation loop ────────────────────────────────────────────────────────────────────────────

-- Leases pending validations and disconnections. shared: another connected account of the project's apps uses the
-- same WABA (or page), so the Worker must not unsubscribe the app from it.
drop function if exists meta.claim_account_validations(text, int, int);
create function meta.claim_account_validations(p_worker text, p_limit int, p_lease_seconds int)
returns table (account_id bigint, project_id bigint, channel text, external_id text, waba_id text, access_token_enc bytea, attempts int,
               disconnecting boolean, shared boolean)
language sql as $$
    update meta.accounts a
    set validation_locked_until = now() + make_interval(secs => p_lease_seconds), validation_attempts = a.validation_attempts + 1
    where a.id in (select id from meta.accounts
                   where ((validation_status = 'pending' and status = 'active' and access_token_enc is not null) or status = 'disconnecting')
                     and (validation_locked_until is null or validation_locked_until < now())
                   -- NO KEY: only the lease columns change; FOR UPDATE would also skip an account any ingestion
                   -- batch holds by a foreign-key check (FOR KEY SHARE).
                   order by id for no key update skip locked limit p_limit)
    returning a.id, a.project_id, a.channel, a.external_id, a.waba_id, a.access_token_enc, a.validation_attempts, a.status = 'disconnecting',
              exists (select 1 from meta.accounts o
                      where o.id <> a.id and o.status = 'active' and o.app_id is not distinct from a.app_id
                        and coalesce(o.waba_id, o.external_id) = coalesce(a.waba_id, a.external_id))
$$;

-- The Worker's verdict. valid: Meta answered for the ids with this token and the app is subscribed; the details are
-- what Meta says of the number (or page / Instagram account). needs_attention: the reason, for the console.
create or replace function meta.record_account_validation(p_account_id bigint, p_valid boolean, p_error text, p_display_phone_number text,
                                                          p_verified_name text, p_quality_rating text, p_messaging_limit text,
                                                          p_throughput_level text, p_name text) returns void
language plpgsql as $$
declare
    v_account meta.accounts;
begin
    update meta.accounts
    set validation_status = case when p_valid then 'valid' else 'needs_attention' end,
        validation_error = case when p_valid then null else p_error end,
        validated_at = now(), validation_locked_until = null,
        sends_paused_at = case when p_valid then null else coalesce(sends_paused_at, now()) end,
        subscribed_at = case when p_valid then coalesce(subscribed_at, now()) else subscribed_at end,
        display_phone_number = coalesce(p_display_phone_number, display_phone_number),
        verified_name = coalesce(p_verified_name, verified_name),
        quality_rating = coalesce(p_quality_rating, quality_rating),
        messaging_limit = coalesce(p_messaging_limit, messaging_limit),
        throughput_level = coalesce(p_throughput_level, throughput_level),
        name = case when p_valid and p_name is not null and name = external_id then p_name else name end,
        updated_at = now()
    where id = p_account_id and status = 'active' -- disconnected meanwhile: its verdict no longer matters
    returning * into v_account;
    if v_account.id is null then return; end if;
    perform ops.emit_change(v_account.project_id, 'account_changed', null, null,
                            jsonb_build_object('accountId', p_account_id, 'status', v_account.validation_status,
                                               'sendsPaused', v_account.sends_paused_at is not null));
    -- Resumed: its paused sends are due now.
    if p_valid then perform pg_notify('outbox', ''); end if;
end
$$;

-- Meta refused the account's token while sending (190): the account needs attention and its sends pause. Only if the
-- refused token (p_token_enc, as the send read it) is still the account's: a send that left with the old token and
-- came back after a new one was pasted must not pause the account again.
drop function if exists meta.account_needs_attention(bigint, text);
create or replace function meta.account_needs_attention(p_account_id bigint, p_reason text, p_token_enc bytea) returns boolean
language plpgsql as $$
declare
    v_project bigint;
begin
    update meta.accounts set validation_status = 'needs_attention', validation_error = p_reason, updated_at = now(),
                             sends_paused_at = coalesce(sends_paused_at, now())
    where id = p_account_id and access_token_enc is not distinct from p_token_enc
      and (validation_status <> 'needs_attention' or sends_paused_at is null)
    returning project_id into v_project;
    if v_project is null then return false; end if;
    perform ops.emit_change(v_project, 'account_changed', null, null,
                            jsonb_build_object('accountId', p_account_id, 'status', 'needs_attention', 'sendsPaused', true));
    return true;
end
$$;

-- Disconnect (Admin): the account stops sending at once and the Worker unsubscribes the app from its WABA or page;
-- its conversations stay. true also when it is already disconnected (nothing recorded twice).
create or replace function meta.disconnect_account(p_project_id bigint, p_account_id bigint) returns boolean
language plpgsql as $$
declare
    v_before jsonb := meta.account_state(p_account_id);
    v_status text := (select status from meta.accounts where id = p_account_id and project_id = p_project_id);
begin
    if v_status is null then return false; end if;
    if v_status <> 'active' then return true; end if;
    update meta.accounts set status = 'disconnecting', sends_paused_at = coalesce(sends_paused_at, now()), validation_attempts = 0,
                             validation_locked_until = null, updated_at = now()
    where id = p_account_id;
    perform ops.record_command(p_project_id, null, 'account.disconnect', 'account', p_account_id::text, v_before,
                               jsonb_build_object('connection', 'disconnecting'));
    perform ops.emit_change(p_project_id, 'account_changed', null, null, jsonb_build_object('accountId', p_account_id, 'connection', 'disconnecting'));
    perform pg_notify('accounts', p_account_id::text);
    return true;
end
$$;

-- The Worker unsubscribed the app (or could not: p_error, kept for the console). The token is erased: a reconnect
-- asks for one again.
create or replace function meta.record_account_disconnected(p_account_id bigint, p_error text) returns void
language plpgsql as $$
declare
    v_project bigint;
begin
    update meta.accounts set status = 'disconnected', access_token_enc = null, subscribed_at = null, validation_locked_until = null,
                             validation_error = p_error, sends_paused_at = coalesce(sends_paused_at, now()), updated_at = now()
    where id = p_account_id and status = 'disconnecting'
    returning project_id into v_project;
    if v_project is null then return; end if;
    perform ops.emit_change(v_project, 'account_changed', null, null, jsonb_build_object('accountId', p_account_id, 'connection', 'disconnected'));
end
$$;
