-- Staging tables the importer (src/Migrator/Import/ImportBatchWriter.cs) fills by binary COPY, one set per
-- connection, emptied after each batch. Their columns are the COPY columns of ImportBatchWriter: change both
-- together. outcome/new_id/reason are filled by the entity functions of 481_import_apply.sql.
create or replace function ops.create_import_staging() returns void
language plpgsql as $$
begin
    create temp table if not exists stg_imp_accounts (
        line bigint not null, source_id text not null, channel text not null, external_id text not null,
        waba_id text, name text not null, phone text,
        new_id bigint, outcome text, reason text);
    create temp table if not exists stg_imp_agents (
        line bigint not null, source_id text not null, email text not null, name text,
        new_id bigint, outcome text, reason text);
    create temp table if not exists stg_imp_tags (
        line bigint not null, source_id text not null, name text not null, color text not null,
        new_id bigint, outcome text, reason text);
    create temp table if not exists stg_imp_templates (
        line bigint not null, source_id text not null, account_ref text not null, name text not null,
        language text not null, category text not null, status text not null, components text not null,
        meta_template_id text,
        account_id bigint, waba_id text, new_id bigint, outcome text, reason text);
    create temp table if not exists stg_imp_contacts (
        line bigint not null, source_id text not null, channel text not null, external_id text not null,
        name text, phone text, language text, attributes text,
        new_id bigint, outcome text, reason text);
    create temp table if not exists stg_imp_conversations (
        line bigint not null, source_id text not null, account_ref text not null, contact_ref text not null,
        status text not null, assignee_ref text, created_at timestamptz, resolved_at timestamptz,
        account_id bigint, contact_id bigint, channel text, assignee_id bigint, new_id bigint, outcome text, reason text);
    create temp table if not exists stg_imp_conversation_tags (
        line bigint not null, conversation_ref text not null, tag_ref text not null);
    create temp table if not exists stg_imp_messages (
        line bigint not null, source_id text not null, conversation_ref text not null, direction text not null,
        kind text not null, body text, occurred_at timestamptz not null, status text not null, status_at timestamptz,
        error_code int, error_title text, provider_message_id text, reply_to text, agent_ref text, payload text,
        media text,
        conversation_id bigint, account_id bigint, agent_id bigint, new_id bigint, outcome text, reason text);
    create temp table if not exists stg_imp_notes (
        line bigint not null, source_id text not null, conversation_ref text not null, author_ref text not null,
        body text not null, created_at timestamptz not null,
        conversation_id bigint, author_id bigint, new_id bigint, outcome text, reason text);
    -- records the reader already refused (malformed line, missing field, broken timestamp, duplicate id…)
    create temp table if not exists stg_imp_rejects (
        line bigint not null, entity text not null, source_id text, reason text not null, detail text);
    -- lines per entity in this batch, rejected ones included: the "source" column of the reconciliation
    create temp table if not exists stg_imp_source_counts (entity text not null, lines bigint not null);
    -- Each batch's ANALYZE (ops.import_apply_batch) needs the join keys' statistics, not the texts': sampling bodies and
    -- payloads was a third of it.
    alter table stg_imp_messages alter column body set statistics 0, alter column payload set statistics 0,
        alter column media set statistics 0, alter column error_title set statistics 0, alter column reply_to set statistics 0;
end
$$;

-- TRUNCATE, not DELETE as ingestion does: temp tables are never autovacuumed, and the dead rows of deleted batches
-- made every batch scan all earlier ones (measured: 3,900 messages/s falling to 800 by the 16th batch of 5,000).
-- Ingestion's reason for DELETE (re-planning after a truncation, ~5 ms) is noise against a batch of thousands of rows.
-- Only the tables the batch filled: a truncation gives each table (and its TOAST table and index) new files, which
-- cost 8 ms a batch for all eleven when most batches fill two or three of them.
create or replace function ops.reset_import_staging() returns void
language plpgsql as $$
declare
    v_filled text;
begin
    select string_agg(t, ', ') into v_filled
    from unnest(array['stg_imp_accounts', 'stg_imp_agents', 'stg_imp_tags', 'stg_imp_templates', 'stg_imp_contacts',
                      'stg_imp_conversations', 'stg_imp_conversation_tags', 'stg_imp_messages', 'stg_imp_notes',
                      'stg_imp_rejects', 'stg_imp_source_counts']) t
    where ops.import_staging_filled(t);
    if v_filled is not null then
        execute 'truncate ' || v_filled;
    end if;
end
$$;

create or replace function ops.import_staging_filled(p_table text) returns boolean
language plpgsql as $$
declare
    v_filled boolean;
begin
    execute format('select exists (select from %I)', p_table) into v_filled;
    return v_filled;
end
$$;
