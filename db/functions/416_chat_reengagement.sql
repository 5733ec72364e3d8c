-- Re-engaging an existing conversation with a template: the same pre-flight as starting one (chat.initiation_checks),
-- which chat.send_template enforces (405_template_send.sql calls this at run time; plpgsql resolves it then).
--
-- Which checks bind depends on the window at p_now:
--   closed (or the customer never wrote)  every check: opt-in, consent, number health, template approved / account /
--                                          language — this is initiating, whatever the conversation's age
--   open                                   consent only: a customer who wrote STOP (or stopped marketing, for a
--                                          MARKETING template) is not messaged, even inside the window
-- required says whether a check binds now; the console shows every check and enables Send when the required pass.
create or replace function chat.template_send_checks(p_conversation_id bigint, p_template_id bigint,
                                                     p_now timestamptz default now(), p_language text default null)
returns table (name text, passed boolean, code text, detail jsonb, required boolean)
language sql stable as $$
    select c.name, c.passed, c.code, c.detail,
           c.name = 'consent' or not bool_or(c.code = 'window_open') over ()
    from chat.conversations cv,
         chat.initiation_checks(cv.project_id, cv.account_id, cv.contact_id, null, p_template_id, p_language, p_now)
             with ordinality as c(name, passed, code, detail, ord)
    where cv.id = p_conversation_id
    order by c.ord
$$;
