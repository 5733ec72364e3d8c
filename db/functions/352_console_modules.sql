-- Admin → Modules: each console module's switch and its readiness checklist. A module that is on but not ready says
-- what is missing instead of failing later (a campaign with no approved template, templates with no WhatsApp number).
-- The checks read what the project has; nothing here is stored.

-- One row per (module, check): ok when the project has what the module needs. Modules without prerequisites have
-- no rows. 'built' says whether this version of the platform has the module at all (later issues bring the rest).
create or replace function core.module_checks(p_project_id bigint)
returns table (feature text, check_key text, ok boolean)
language sql stable as $$
    with p as (
        select
            exists (select 1 from meta.accounts a where a.project_id = p_project_id and a.status = 'active') as any_account,
            exists (select 1 from meta.accounts a where a.project_id = p_project_id and a.status = 'active'
                    and a.channel = 'whatsapp') as whatsapp,
            exists (select 1 from meta.accounts a where a.project_id = p_project_id and a.status = 'active'
                    and a.channel = 'whatsapp' and coalesce(a.quality_rating, 'GREEN') <> 'RED') as healthy_number,
            exists (select 1 from meta.templates t where t.project_id = p_project_id and t.status = 'APPROVED'
                    and t.category = 'MARKETING') as marketing_template
    )
    select c.feature, c.check_key, c.ok
    from p, lateral (values
        ('chats', 'account_connected', p.any_account),
        ('templates', 'whatsapp_account', p.whatsapp),
        ('mass_sends', 'whatsapp_account', p.whatsapp),
        ('mass_sends', 'approved_marketing_template', p.marketing_template),
        ('mass_sends', 'healthy_number', p.healthy_number),
        ('number_health', 'whatsapp_account', p.whatsapp),
        ('calls', 'whatsapp_account', p.whatsapp)
    ) as c(feature, check_key, ok)
$$;
