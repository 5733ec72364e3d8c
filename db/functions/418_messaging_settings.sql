-- A project's messaging rules as one setting (HUMAN_AGENT tag, default language, consent keywords), the customer's
-- language, and the contact picker of the new-conversation dialog. The rules themselves live in 410/412/414.

-- The settings in force: the keyword lists are the project's own, or the defaults (uses_default_keywords) when it has none.
drop function if exists core.messaging_settings(bigint);
create or replace function core.messaging_settings(p_project_id bigint)
returns table (human_agent_tag boolean, default_language text, opt_out_keywords text[], opt_in_keywords text[],
               uses_default_keywords boolean, time_zone text, mass_requires_opt_in boolean)
language sql stable as $$
    select p.human_agent_tag, p.default_language,
           coalesce((select array_agg(k.keyword order by k.keyword) from chat.consent_keywords_for(p.id) k where k.action = 'opt_out'), '{}'),
           coalesce((select array_agg(k.keyword order by k.keyword) from chat.consent_keywords_for(p.id) k where k.action = 'opt_in'), '{}'),
           not exists (select 1 from chat.consent_keywords k where k.project_id = p.id),
           p.time_zone, p.mass_requires_opt_in
    from core.projects p
    where p.id = p_project_id
$$;

-- The first problem with two keyword lists as they would be stored (normalized): a keyword that is only punctuation
-- ('empty'), or one in both lists ('both': the same message cannot opt a customer out and back in). No row: fine.
create or replace function chat.check_consent_keywords(p_opt_out text[], p_opt_in text[])
returns table (list text, keyword text, problem text)
language sql stable as $$
    (select l.list, l.raw, 'empty'
     from (select 'optOut' as list, x as raw from unnest(p_opt_out) x union all select 'optIn', x from unnest(p_opt_in) x) l
     where chat.normalize_keyword(l.raw) is null
     limit 1)
    union all
    (select 'optIn', i.x, 'both'
     from unnest(p_opt_in) i(x)
     where chat.normalize_keyword(i.x) in (select chat.normalize_keyword(o.x) from unnest(p_opt_out) o(x))
     limit 1)
    limit 1
$$;

-- Saves every messaging setting at once. The tag changes every Messenger/Instagram conversation's window (and the
-- cached list pages that show it): the change-feed row moves the project's data version, so no instance serves a
-- page read before, and tells the consoles.
drop function if exists core.set_messaging_settings(bigint, boolean, text, text[], text[], bigint);
create or replace function core.set_messaging_settings(p_project_id bigint, p_human_agent_tag boolean, p_default_language text,
                                                       p_opt_out text[], p_opt_in text[], p_user_id bigint,
                                                       p_time_zone text default null, p_mass_requires_opt_in boolean default null)
returns void
language plpgsql as $$
declare
    v_before jsonb := (select to_jsonb(m) from core.messaging_settings(p_project_id) m);
begin
    perform core.set_human_agent_tag(p_project_id, p_human_agent_tag);
    update core.projects
    set default_language = p_default_language, time_zone = coalesce(p_time_zone, time_zone),
        mass_requires_opt_in = coalesce(p_mass_requires_opt_in, mass_requires_opt_in)
    where id = p_project_id;
    perform chat.set_consent_keywords(p_project_id, p_opt_out, p_opt_in);
    perform ops.emit_change(p_project_id, 'messaging_settings_changed', null, null,
                            jsonb_build_object('humanAgentTag', p_human_agent_tag, 'defaultLanguage', p_default_language, 'userId', p_user_id));
    perform ops.record_command(p_project_id, p_user_id, 'messaging_settings.update', 'project', p_project_id::text, v_before,
                               (select to_jsonb(m) from core.messaging_settings(p_project_id) m));
end
$$;

-- The customer's language (null: unknown, the project's default applies), set by an agent. Each conversation of the
-- contact gets a change-feed row, so a console showing it reads the context again.
create or replace function chat.set_contact_language(p_contact_id bigint, p_language text) returns void
language plpgsql as $$
begin
    update chat.contacts set language = p_language, updated_at = now() where id = p_contact_id;
    perform ops.emit_change(cv.project_id, 'contact_changed', cv.id, null, jsonb_build_object('language', p_language))
    from chat.conversations cv where cv.contact_id = p_contact_id;
end
$$;

-- Contacts of a project whose name, handle or phone holds p_query (substring, through the contacts_search_trgm index
-- of 0012_search.sql: the expression below is the indexed one), newest first. An empty query lists the newest. Two
-- branches rather than one OR, so the searching plan always has the indexed condition alone. Only contacts p_user_id
-- sees (chat.contact_sight, grants read once): the picker offers no customer served only in other teams' queues.
drop function if exists chat.find_contacts(bigint, text, text, int);
create or replace function chat.find_contacts(p_project_id bigint, p_user_id bigint, p_query text, p_channel text, p_limit int)
returns table (id bigint, channel text, display_name text, external_id text, phone text, language text, updated_at timestamptz)
language plpgsql stable as $$
declare
    v_sight record;
begin
    select * into v_sight from chat.sight(p_user_id, p_project_id);
    if coalesce(p_query, '') = '' then
        return query
        select c.id, c.channel, c.display_name, c.external_id, c.phone, c.language, c.updated_at
        from chat.contacts c, chat.contact_sight(c.id, p_user_id, v_sight.reads, v_sight.all_queues, v_sight.queue_ids) cs
        where c.project_id = p_project_id and (p_channel is null or c.channel = p_channel) and cs.seen
        order by c.updated_at desc, c.id desc
        limit p_limit;
    else
        return query
        select c.id, c.channel, c.display_name, c.external_id, c.phone, c.language, c.updated_at
        from chat.contacts c, chat.contact_sight(c.id, p_user_id, v_sight.reads, v_sight.all_queues, v_sight.queue_ids) cs
        where lower(coalesce(c.display_name, '') || ' ' || c.external_id || ' ' || coalesce(c.phone, ''))
                  like '%' || core.like_escape(lower(p_query)) || '%' escape '\'
          and c.project_id = p_project_id and (p_channel is null or c.channel = p_channel) and cs.seen
        order by c.updated_at desc, c.id desc
        limit p_limit;
    end if;
end
$$;
