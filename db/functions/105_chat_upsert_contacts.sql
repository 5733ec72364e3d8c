-- Customers found or made from Meta's webhooks, the one rule for every ingestion path (messages in
-- chat.ingest_staged_messages, calls in calls.ingest_staged): per project, channel and external id (wa_id, or the
-- BSUID when Meta withholds the phone number); the newest name given wins and the BSUID is filled in or replaced by
-- the one Meta sends now; a WhatsApp id of digits is also the phone. The arrays are parallel, in arrival order: of
-- several rows for one customer, the last one with a name is taken. Returns each customer's contact id.
create or replace function chat.upsert_contacts(p_project_ids bigint[], p_channels text[], p_external_ids text[],
                                                p_bsuids text[], p_names text[])
returns table (project_id bigint, channel text, external_id text, contact_id bigint)
language sql as $$
    with given as (
        select distinct on (r.project_id, r.channel, r.external_id) r.*
        from unnest(p_project_ids, p_channels, p_external_ids, p_bsuids, p_names) with ordinality
                 as r(project_id, channel, external_id, bsuid, name, ord)
        where r.project_id is not null and r.external_id is not null
        order by r.project_id, r.channel, r.external_id, r.name is null, r.ord desc
    ), upserted as (
        insert into chat.contacts as c (project_id, channel, external_id, bsuid, display_name, phone)
        select g.project_id, g.channel, g.external_id, g.bsuid, g.name,
               case when g.channel = 'whatsapp' and g.external_id ~ '^[0-9]+$' then g.external_id end
        from given g
        order by g.project_id, g.channel, g.external_id
        on conflict (project_id, channel, external_id) do update
            set display_name = coalesce(excluded.display_name, c.display_name),
                bsuid = coalesce(excluded.bsuid, c.bsuid),
                updated_at = now()
            where excluded.display_name is distinct from c.display_name and excluded.display_name is not null
               or excluded.bsuid is distinct from c.bsuid and excluded.bsuid is not null
        returning c.project_id, c.channel, c.external_id, c.id
    )
    select g.project_id, g.channel, g.external_id, coalesce(u.id, k.id)
    from given g
    left join upserted u on u.project_id = g.project_id and u.channel = g.channel and u.external_id = g.external_id
    left join chat.contacts k on u.id is null and k.project_id = g.project_id and k.channel = g.channel and k.external_id = g.external_id
$$;
