-- User text inside a LIKE/ILIKE pattern matches itself: '%', '_' and the escape character '\' lose their wildcard
-- meaning. Callers write `x like '%' || core.like_escape(p_text) || '%' escape '\'` (the escape clause names the
-- default explicitly, so the pairing is visible where the pattern is built). Immutable, so a call on a parameter is
-- folded once per statement and a trigram index on x is still used (EXPLAIN of chat.search's contact branch before and
-- after: Bitmap Index Scan on contacts_search_trgm both times).
create or replace function core.like_escape(p_text text) returns text
language sql immutable strict parallel safe as $$
    select replace(replace(replace(p_text, '\', '\\'), '%', '\%'), '_', '\_')
$$;
