-- Administration of projects, Meta apps and accounts (used by the seed and, later, the Core API admin).
create or replace function core.ensure_project(p_slug text, p_name text) returns bigint
language sql as $$
    insert into core.projects (slug, name) values (p_slug, p_name)
    on conflict (slug) do update set name = excluded.name
    returning id
$$;

create or replace function meta.upsert_app(p_meta_app_id text, p_name text, p_app_secret_enc bytea, p_verify_token_enc bytea)
returns bigint
language sql as $$
    insert into meta.apps (meta_app_id, name, app_secret_enc, verify_token_enc)
    values (p_meta_app_id, p_name, p_app_secret_enc, p_verify_token_enc)
    on conflict (meta_app_id) do update
        set name = excluded.name, app_secret_enc = excluded.app_secret_enc,
            verify_token_enc = excluded.verify_token_enc, is_active = true
    returning id
$$;

create or replace function meta.upsert_account(p_project_id bigint, p_app_id bigint, p_channel text, p_external_id text,
                                               p_waba_id text, p_display_phone_number text, p_name text)
returns bigint
language sql as $$
    insert into meta.accounts (project_id, app_id, channel, external_id, waba_id, display_phone_number, name)
    values (p_project_id, p_app_id, p_channel, p_external_id, p_waba_id, p_display_phone_number, p_name)
    on conflict (channel, external_id) do update
        set project_id = excluded.project_id, app_id = excluded.app_id, waba_id = excluded.waba_id,
            display_phone_number = excluded.display_phone_number, name = excluded.name, updated_at = now()
    returning id
$$;

-- Secrets stay encrypted here; the Webhook API decrypts them in memory only. The previous secret comes along while
-- it still verifies (a rotation's overlap, meta.rotate_app_secret).
drop function if exists meta.list_active_apps();
create function meta.list_active_apps()
returns table (id bigint, meta_app_id text, app_secret_enc bytea, verify_token_enc bytea, previous_secret_enc bytea)
language sql stable as $$
    select id, meta_app_id, app_secret_enc, verify_token_enc,
           case when previous_secret_until > now() then previous_secret_enc end
    from meta.apps where is_active order by id
$$;

create or replace function meta.set_access_token(p_account_id bigint, p_access_token_enc bytea) returns void
language sql as $$
    update meta.accounts set access_token_enc = p_access_token_enc, updated_at = now() where id = p_account_id
$$;
