-- Staging tables the Webhook API flusher fills by binary COPY, one set per connection. Their columns are the COPY
-- columns of WebhookApi/Ingestion/StagingWriter.cs: change both together.
--
-- They are not ON COMMIT DELETE ROWS: PostgreSQL then truncates every such table of the session inside each
-- commit that touched a temp table, and those eight truncations made every commit take ~7 ms instead of ~0.1 ms
-- (measured), all of it before the batch could be acknowledged. meta.reset_ingest_staging empties them after.
create or replace function meta.create_ingest_staging() returns void
language plpgsql as $$
begin
    create temp table if not exists stg_events (
        seq int not null, event_hash bytea not null, app_id bigint, received_at timestamptz not null,
        body bytea not null, object_kind text, parse_status text not null, parse_error text
    );
    create temp table if not exists stg_messages (
        seq int not null, channel text not null, account_external_id text not null, waba_id text,
        customer_external_id text not null, customer_bsuid text, customer_name text, direction text not null,
        is_echo boolean not null, provider_message_id text, type text not null, body text, reply_to text,
        payload text not null, occurred_at timestamptz, error_code int, error_title text,
        -- resolved by meta.normalize_staged, step by step
        event_id bigint, received_at timestamptz, project_id bigint, account_id bigint, contact_id bigint,
        conversation_id bigint
    );
    create temp table if not exists stg_media (
        seq int not null, channel text not null, account_external_id text not null, provider_message_id text not null,
        ordinal int not null, kind text not null, provider_media_id text, mime_type text, sha256 text, url text,
        file_name text, caption text,
        account_id bigint
    );
    create temp table if not exists stg_statuses (
        seq int not null, channel text not null, account_external_id text not null, waba_id text,
        provider_message_id text, status text not null, customer_external_id text, watermark timestamptz,
        occurred_at timestamptz, error_code int, error_title text, error_details text, pricing text,
        conversation text, payload text not null,
        event_id bigint, received_at timestamptz, project_id bigint, account_id bigint
    );
    create temp table if not exists stg_business (
        seq int not null, kind text not null, field text not null, waba_id text, account_external_id text,
        event text, template_id text, template_name text, language text, reason text,
        display_phone_number text, current_limit text, customer_external_id text, occurred_at timestamptz, payload text not null
    );
    -- work tables of meta.normalize_staged (stg_new_events: the claimed events, COPYed by the normalizing stage)
    -- app_id: the app whose secret signed the event; accounts are matched within that app only.
    create temp table if not exists stg_new_events (seq int not null, event_id bigint not null, received_at timestamptz not null,
                                                    app_id bigint);
    create temp table if not exists stg_new_messages (
        id bigint, project_id bigint, conversation_id bigint, account_id bigint, provider_message_id text,
        direction text, type text, body text, occurred_at timestamptz
    );
    create temp table if not exists stg_new_statuses (
        project_id bigint, account_id bigint, provider_message_id text, status text, customer_external_id text,
        watermark timestamptz, occurred_at timestamptz
    );
end
$$;

-- Empties the staging tables after a batch committed and its requests were answered (off the acknowledgement
-- path). DELETE, not TRUNCATE: a truncation gives the table a new file, which invalidates every cached plan that
-- reads it, and re-planning the ingest statements cost ~5 ms a batch (measured). The flusher VACUUMs the tables
-- every so often (VACUUM cannot run inside a function) so the deleted rows' space is reused.
create or replace function meta.reset_ingest_staging() returns void
language plpgsql as $$
begin
    delete from stg_events; delete from stg_messages; delete from stg_media; delete from stg_statuses;
    delete from stg_business; delete from stg_new_events; delete from stg_new_messages; delete from stg_new_statuses;
end
$$;
