-- Sending an approved template in a conversation, and the console's autofill of its variables.
--
-- Variable keys (the API's "parameters" object and meta.templates.variable_sources): body variables by number
-- ("1", "2") or by name ("first_name"); the header's one variable "header" (for a media header: the file's link,
-- defaulting to the example); a URL button's variable "button.<index>".

-- The variables of a text, in order of first appearance, each once ({{1}}, {{first_name}}).
create or replace function meta.template_text_variables(p_text text) returns text[]
language sql immutable as $$
    select coalesce(array_agg(v order by first_at), '{}')
    from (select m[1] as v, min(n) as first_at
          from regexp_matches(coalesce(p_text, ''), '\{\{([a-z0-9_]+)\}\}', 'g') with ordinality as r(m, n)
          group by m[1]) s
$$;

-- Every variable of a template with its key, where it sits and its example (the autofill and the API read it).
create or replace function meta.template_variables(p_components jsonb, p_parameter_format text)
returns table (key text, component text, example text, ord int)
language sql immutable as $$
    with c as (select value as comp, upper(value ->> 'type') as type from jsonb_array_elements(coalesce(p_components, '[]')))
    select 'header', 'header',
           coalesce(c.comp -> 'example' -> 'header_text' ->> 0, c.comp -> 'example' -> 'header_text_named_params' -> 0 ->> 'example'), 0
    from c where c.type = 'HEADER' and coalesce(upper(c.comp ->> 'format'), 'TEXT') = 'TEXT'
      and cardinality(meta.template_text_variables(c.comp ->> 'text')) > 0
    union all
    select v.v, 'body',
           case when p_parameter_format = 'named'
                then (select e ->> 'example' from jsonb_array_elements(c.comp -> 'example' -> 'body_text_named_params') e where e ->> 'param_name' = v.v limit 1)
                else c.comp -> 'example' -> 'body_text' -> 0 ->> (v.v::int - 1) end,
           case when p_parameter_format = 'named' then v.n::int else v.v::int end
    from c, unnest(meta.template_text_variables(c.comp ->> 'text')) with ordinality as v(v, n)
    where c.type = 'BODY' and (p_parameter_format = 'named' or v.v ~ '^[0-9]+$')
    union all
    select 'button.' || (b.n - 1), 'button', b.btn -> 'example' ->> 0, 1000 + b.n::int
    from c, jsonb_array_elements(c.comp -> 'buttons') with ordinality as b(btn, n)
    where c.type = 'BUTTONS' and upper(b.btn ->> 'type') = 'URL' and b.btn ->> 'url' like '%{{%}}%'
    order by 4
$$;

-- The text the thread shows (header, body and footer with the values in) and the request's "template" object in
-- Meta's shape. missing: the key of the first variable without a value (nothing else is computed then).
create or replace function meta.render_template(p_template_id bigint, p_parameters jsonb,
                                                out body text, out payload jsonb, out missing text)
language plpgsql stable as $$
declare
    t meta.templates;
    v_comp jsonb;
    v_type text;
    v_format text;
    v_text text;
    v_value text;
    v_var text;
    v_params jsonb;
    v_components jsonb := '[]';
    v_header text;
    v_body text;
    v_footer text;
    v_button record;
begin
    select * into t from meta.templates where id = p_template_id;
    for v_comp in select value from jsonb_array_elements(t.components) loop
        v_type := upper(v_comp ->> 'type');
        if v_type = 'HEADER' then
            v_format := coalesce(upper(v_comp ->> 'format'), 'TEXT');
            if v_format = 'TEXT' then
                v_header := v_comp ->> 'text';
                foreach v_var in array meta.template_text_variables(v_header) loop
                    v_value := nullif(btrim(p_parameters ->> 'header'), '');
                    if v_value is null then missing := 'header'; return; end if;
                    v_header := replace(v_header, '{{' || v_var || '}}', v_value);
                    v_params := jsonb_build_object('type', 'text', 'text', v_value);
                    if t.parameter_format = 'named' then v_params := v_params || jsonb_build_object('parameter_name', v_var); end if;
                    v_components := v_components || jsonb_build_object('type', 'header', 'parameters', jsonb_build_array(v_params));
                end loop;
            elsif v_format in ('IMAGE', 'VIDEO', 'DOCUMENT') then
                v_value := coalesce(nullif(btrim(p_parameters ->> 'header'), ''), v_comp -> 'example' -> 'header_handle' ->> 0);
                if v_value is null then missing := 'header'; return; end if;
                v_components := v_components || jsonb_build_object('type', 'header', 'parameters', jsonb_build_array(
                    jsonb_build_object('type', lower(v_format), lower(v_format), jsonb_build_object('link', v_value))));
                v_header := '[' || lower(v_format) || ']';
            end if;
        elsif v_type = 'BODY' then
            v_body := v_comp ->> 'text';
            v_params := '[]';
            -- The body's keys as meta.template_variables orders them (positional by number, named by first appearance),
            -- read here directly: that function, inlined, was planned again on every send (a campaign renders once per
            -- recipient).
            for v_var in select u.v from unnest(meta.template_text_variables(v_body)) with ordinality u(v, n)
                         where t.parameter_format = 'named' or u.v ~ '^[0-9]+$'
                         order by case when t.parameter_format = 'named' then u.n else u.v::bigint end loop
                v_value := nullif(btrim(p_parameters ->> v_var), '');
                if v_value is null then missing := v_var; return; end if;
                v_body := replace(v_body, '{{' || v_var || '}}', v_value);
                v_params := v_params || case when t.parameter_format = 'named'
                    then jsonb_build_object('type', 'text', 'parameter_name', v_var, 'text', v_value)
                    else jsonb_build_object('type', 'text', 'text', v_value) end;
            end loop;
            if jsonb_array_length(v_params) > 0 then
                v_components := v_components || jsonb_build_object('type', 'body', 'parameters', v_params);
            end if;
        elsif v_type = 'FOOTER' then
            v_footer := v_comp ->> 'text';
        elsif v_type = 'BUTTONS' then
            for v_button in select 'button.' || (b.n - 1) as key, (b.n - 1)::int as index
                            from jsonb_array_elements(v_comp -> 'buttons') with ordinality as b(btn, n)
                            where upper(b.btn ->> 'type') = 'URL' and b.btn ->> 'url' like '%{{%}}%'
                            order by b.n loop
                v_value := nullif(btrim(p_parameters ->> v_button.key), '');
                if v_value is null then missing := v_button.key; return; end if;
                v_components := v_components || jsonb_build_object('type', 'button', 'sub_type', 'url', 'index', v_button.index::text,
                    'parameters', jsonb_build_array(jsonb_build_object('type', 'text', 'text', v_value)));
            end loop;
        end if;
    end loop;
    body := concat_ws(E'\n', v_header, v_body, v_footer);
    payload := jsonb_build_object('name', t.name, 'language', jsonb_build_object('code', t.language));
    if jsonb_array_length(v_components) > 0 then payload := payload || jsonb_build_object('components', v_components); end if;
end
$$;

-- Sends an approved template: refusals as SQLSTATEs (the Core API maps them), then chat.queue_outbound (lock check,
-- message, outbox row, change feed) with the rendered text, and the message's payload in Meta's shape
-- ({"template":{…}}), which the Worker sends as it is. Idempotent on (conversation, client_message_id) like
-- chat.send_text: a retried request returns the message it created, before any check.
--   MM401 template_not_found (not the conversation's project, or deleted)
--   MM402 template_not_approved
--   MM403 template_account_mismatch (the template's WABA is not the conversation number's)
--   MM404 template_variable_missing (message: 'template_variable_missing <key>')
--   MM405 preflight_failed (message: 'preflight_failed <json array of {name, code, detail}>'): the re-engagement
--         pre-flight (chat.template_send_checks, 416_chat_reengagement.sql) — every initiation check when the window
--         is closed at p_now, consent alone when it is open
-- p_language: the customer's language as the caller was told it (initiation's request); null reads the contact's.
drop function if exists chat.send_template(bigint, bigint, text, bigint, jsonb);
create or replace function chat.send_template(p_conversation_id bigint, p_user_id bigint, p_client_message_id text,
                                              p_template_id bigint, p_parameters jsonb,
                                              p_now timestamptz default now(), p_language text default null,
                                              out message_id bigint, out created boolean)
language plpgsql as $$
declare
    v_conversation chat.conversations;
    v_template meta.templates;
    v_rendered record;
    v_failed jsonb;
begin
    select m.id into message_id from chat.messages m
    where m.conversation_id = p_conversation_id and m.client_message_id = p_client_message_id;
    if message_id is not null then
        created := false;
        return;
    end if;
    select * into v_conversation from chat.conversations where id = p_conversation_id;
    select * into v_template from meta.templates
    where id = p_template_id and project_id = v_conversation.project_id and status <> 'deleted';
    if v_template.id is null then
        raise exception 'template_not_found' using errcode = 'MM401';
    end if;
    if v_template.waba_id is distinct from (select waba_id from meta.accounts where id = v_conversation.account_id) then
        raise exception 'template_account_mismatch' using errcode = 'MM403';
    end if;
    if v_template.status <> 'APPROVED' then
        raise exception 'template_not_approved' using errcode = 'MM402', detail = v_template.status;
    end if;
    -- Whether this customer may be messaged at all: the list travels in the message (Npgsql redacts details).
    select jsonb_agg(jsonb_build_object('name', c.name, 'code', c.code, 'detail', c.detail))
    into v_failed
    from chat.template_send_checks(p_conversation_id, p_template_id, p_now, p_language) c
    where c.required and not c.passed;
    if v_failed is not null then
        raise exception using errcode = 'MM405', message = 'preflight_failed ' || v_failed::text;
    end if;
    select * into v_rendered from meta.render_template(p_template_id, coalesce(p_parameters, '{}'));
    if v_rendered.missing is not null then
        raise exception 'template_variable_missing %', v_rendered.missing using errcode = 'MM404';
    end if;

    select q.message_id, q.created into message_id, created
    from chat.queue_outbound(p_conversation_id, p_user_id, p_client_message_id, 'template', v_rendered.body, p_now) q;
    if created then
        update chat.messages
        -- template_id beside Meta's object (the Worker sends only payload.template): which template this was.
        set payload = jsonb_build_object('template', v_rendered.payload, 'template_id', v_template.id)
        where id = message_id;
    end if;
end
$$;

-- The console's suggestions for a template's variables in a conversation, from each variable's source: the
-- contact's name or first name, phone, an attribute, or the last order number the customer mentioned ("#12345",
-- "order 12345", "pedido 12345") in their recent messages here. A variable with no source, or none found, has
-- no value (its example is given so the console can show it as a hint).
create or replace function chat.template_autofill(p_conversation_id bigint, p_template_id bigint)
returns table (key text, source text, value text, example text)
language sql stable as $$
    with t as (select * from meta.templates where id = p_template_id),
    ct as (select c.* from chat.conversations cv join chat.contacts c on c.id = cv.contact_id where cv.id = p_conversation_id),
    vars as (
        select v.key, v.example, v.ord,
               coalesce(t.variable_sources ->> v.key,
                        -- A named variable says what it is when no source was chosen.
                        case when v.key in ('first_name', 'firstname', 'nombre') then 'contact.first_name'
                             when v.key in ('name', 'customer_name', 'full_name') then 'contact.name'
                             when v.key like '%order%' or v.key like '%pedido%' then 'last_order' end) as source
        from t, meta.template_variables(t.components, t.parameter_format) v
    ),
    last_order as (
        select (regexp_match(m.body, '(?:#\s?|\m(?:order|pedido|orden)\s*(?:no\.?|n[º°o]\.?|number|n[uú]mero)?\s*[:#]?\s*)([0-9]{3,})', 'i'))[1] as number
        from chat.messages m
        where m.conversation_id = p_conversation_id and m.direction = 'in' and m.body is not null
          and m.body ~* '(#\s?|\m(order|pedido|orden))[^0-9]{0,12}[0-9]{3,}'
        order by m.occurred_at desc, m.id desc
        limit 1
    )
    select vars.key, vars.source,
           case when vars.source = 'contact.name' then ct.display_name
                when vars.source = 'contact.first_name' then nullif(split_part(btrim(ct.display_name), ' ', 1), '')
                when vars.source = 'contact.phone' then coalesce(ct.phone, ct.external_id)
                when vars.source like 'attribute:%' then ct.attributes ->> substr(vars.source, 11)
                when vars.source = 'last_order' then (select number from last_order) end,
           vars.example
    from vars left join ct on true
    order by vars.ord
$$;
