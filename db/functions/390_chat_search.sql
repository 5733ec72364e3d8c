-- Search across the conversations a user may see: message bodies and what AI made of their media (a voice note's
-- transcript, a photo's description, a document's text: chat.messages.ai_text, its own partial index from
-- 0033_ai_media.sql), notes (full text, chat.mm_search), customer names, phone numbers and handles (substring), and
-- tag names. Hits come newest first, each with a snippet whose matches are wrapped in U+E000 … U+E001 (private-use
-- characters no message carries), which the Core API turns into structured highlights so no markup from a customer's
-- text is ever trusted.
--
-- Paging is keyset on (occurred_at, kind rank, id) descending: message 4, note 3, contact 2, tag 1; id is the
-- message, note or conversation id. The caller passes the last hit's key to get the hits after it; no key (null
-- p_before_at) is the first page. Each part finds its own next p_limit hits after the key, and the merge keeps
-- the first p_limit, so pages neither repeat nor skip a hit while the data stays still.

-- The user's words as a prefix query: every word must match ("order 4711" → order:* & 4711:*).
create or replace function chat.search_query(p_text text) returns tsquery
language sql immutable parallel safe as $$
    select to_tsquery('chat.mm_search'::regconfig,
                      string_agg(quote_literal(w) || ':*', ' & '))
    from regexp_split_to_table(lower(public.unaccent(coalesce(p_text, ''))), '[^[:alnum:]]+') w
    where w <> ''
$$;

-- Whether a search may show this conversation: the caller's visibility (chat.in_sight, as the conversation list) and
-- the filters.
-- A single SQL expression, so the planner inlines it into each query.
create or replace function chat.search_sees(cv chat.conversations, p_user_id bigint, p_all_queues boolean, p_queue_ids bigint[],
                                            p_channel text, p_queue_id bigint, p_status text, p_tag_id bigint)
returns boolean
language sql stable as $$
    select chat.in_sight(cv, p_user_id, true, p_all_queues, p_queue_ids)
       and (p_channel is null or cv.channel = p_channel)
       and (p_queue_id is null or cv.queue_id = p_queue_id)
       and (p_status is null or cv.status = p_status)
       and (p_tag_id is null or exists (select 1 from chat.conversation_tags t where t.conversation_id = cv.id and t.tag_id = p_tag_id))
$$;

drop function if exists chat.search(bigint, bigint, boolean, bigint[], text, text, bigint, bigint, timestamptz, timestamptz, text, int);
drop function if exists chat.search(bigint, bigint, boolean, bigint[], text, text, bigint, bigint, timestamptz, timestamptz, text, int,
                                    timestamptz, int, bigint);
create function chat.search(
    p_project_id bigint, p_user_id bigint, p_all_queues boolean, p_queue_ids bigint[], p_text text,
    p_channel text, p_queue_id bigint, p_tag_id bigint, p_from timestamptz, p_to timestamptz, p_status text, p_limit int,
    p_before_at timestamptz default null, p_before_rank int default null, p_before_id bigint default null)
returns table (kind text, conversation_id bigint, channel text, contact_name text, contact_external_id text,
               queue_id bigint, status text, message_id bigint, note_id bigint, direction text, snippet text,
               occurred_at timestamptz, rank int, hit_id bigint)
-- Bitmaps of frequent words must stay exact: a lossy one rechecks every row of its pages.
language plpgsql stable set work_mem = '64MB' as $$
declare
    v_query tsquery := chat.search_query(p_text);
    v_like text := '%' || core.like_escape(lower(p_text)) || '%';
    v_options text := 'StartSel=' || chr(57344) || ', StopSel=' || chr(57345) || ', MaxWords=24, MinWords=10, MaxFragments=1, FragmentDelimiter=" … "';
    v_walk constant int := 2000;
    v_walk_max constant int := 60000;
    v_depth int;
    v_window interval;
    v_hits bigint[];
    -- Where the previous page ended; the first page has no key. The message queries test the key as
    -- "p_before_at is null or …", which the planner drops for the first page, so its plans stay the ones measured
    -- (an index condition "occurred_at <= infinity" would AND the project's whole recency index into the GIN bitmap).
    v_at timestamptz := coalesce(p_before_at, 'infinity');
    v_rank int := coalesce(p_before_rank, 5);
    v_id bigint := coalesce(p_before_id, 9223372036854775807);
begin
    if v_query is null then return; end if;
    -- The newest matching messages, two ways, because the planner cannot tell which is cheaper (it has no statistics
    -- for prefix queries). A word that is frequent among the newest messages is found by walking them in recency
    -- order: look at the newest v_walk; if that found some but not a page, walk as far as the rate seen says a page
    -- needs (up to v_walk_max). Otherwise the words are rare: ask the search index, AND-ed with a time window on the
    -- recency index (bitmap scans, forced: a mis-estimated plan here reads millions of rows), widening the window
    -- until a page is full.
    v_depth := v_walk;
    loop
        select array_agg(x.id order by x.occurred_at desc, x.id desc) into v_hits
        from (select r.id, r.occurred_at
              from (select m.id, m.occurred_at, m.search_vector, m.ai_text, m.deleted_at, m.conversation_id from chat.messages m
                    where m.project_id = p_project_id and (p_before_at is null or m.occurred_at <= p_before_at)
                      and (p_from is null or m.occurred_at >= p_from) and (p_to is null or m.occurred_at < p_to)
                    order by m.occurred_at desc
                    limit v_depth) r
              join chat.conversations cv on cv.id = r.conversation_id
              where (r.search_vector @@ v_query
                     or (r.ai_text is not null and to_tsvector('chat.mm_search'::regconfig, r.ai_text) @@ v_query))
                and r.deleted_at is null
                and (p_before_at is null or (r.occurred_at, 4, r.id) < (p_before_at, p_before_rank, p_before_id))
                and chat.search_sees(cv, p_user_id, p_all_queues, p_queue_ids, p_channel, p_queue_id, p_status, p_tag_id)
              order by r.occurred_at desc, r.id desc
              limit p_limit) x;
        exit when coalesce(cardinality(v_hits), 0) >= p_limit or v_hits is null or v_depth > v_walk;
        -- Some matched: the rate seen tells how deep a page lies.
        v_depth := ceil(v_walk * p_limit * 1.5 / cardinality(v_hits));
        exit when v_depth > v_walk_max;
    end loop;
    if coalesce(cardinality(v_hits), 0) < p_limit then
        perform set_config('enable_seqscan', 'off', true);
        perform set_config('enable_indexscan', 'off', true);
        foreach v_window in array array[interval '1 day', interval '30 days', null] loop
            select array_agg(x.id order by x.occurred_at desc, x.id desc) into v_hits
            from (select m.id, m.occurred_at
                  from chat.messages m join chat.conversations cv on cv.id = m.conversation_id
                  -- Either vector: a BitmapOr of messages_search_idx and messages_ai_search_idx (the expression and
                  -- the "is not null" of the partial index written as they are there, so the planner matches them),
                  -- AND-ed with the recency index. Measured on 300 k messages, 300 with an ai_text: that plan, and
                  -- the function's times within the noise of the version without ai_text (30–60 ms for both).
                  where m.project_id = p_project_id and m.deleted_at is null
                    and (m.search_vector @@ v_query
                         or (m.ai_text is not null and to_tsvector('chat.mm_search'::regconfig, m.ai_text) @@ v_query))
                    and (p_before_at is null or (m.occurred_at, 4, m.id) < (p_before_at, p_before_rank, p_before_id))
                    and (v_window is null or m.occurred_at >= least(now(), v_at) - v_window)
                    and (p_from is null or m.occurred_at >= p_from) and (p_to is null or m.occurred_at < p_to)
                    and chat.search_sees(cv, p_user_id, p_all_queues, p_queue_ids, p_channel, p_queue_id, p_status, p_tag_id)
                  order by m.occurred_at desc, m.id desc
                  limit p_limit) x;
            exit when coalesce(cardinality(v_hits), 0) >= p_limit;
        end loop;
        perform set_config('enable_seqscan', 'on', true);
        perform set_config('enable_indexscan', 'on', true);
    end if;

    return query
    with visible as not materialized (
        select cv.id, cv.channel, cv.queue_id, cv.status, cv.contact_id, coalesce(cv.last_message_at, cv.created_at) as at
        from chat.conversations cv
        where cv.project_id = p_project_id
          and chat.search_sees(cv, p_user_id, p_all_queues, p_queue_ids, p_channel, p_queue_id, p_status, p_tag_id)
    ), message_hits as (
        select 'message'::text as kind, 4 as rank, m.id as hit_id, m.conversation_id, m.id as message_id, null::bigint as note_id,
               m.direction,
               -- The snippet comes from what matched: the body, else the transcript, description or document text.
               case when m.ai_text is not null and not m.search_vector @@ v_query then m.ai_text else m.body end as text,
               m.occurred_at
        from chat.messages m
        where m.id = any (v_hits)
    ), note_hits as (
        select 'note'::text, 3, n.id, n.conversation_id, null::bigint, n.id, null::text, n.body, n.created_at
        from chat.notes n
        where n.project_id = p_project_id and n.search_vector @@ v_query
          and (n.created_at, 3, n.id) < (v_at, v_rank, v_id)
          and (p_from is null or n.created_at >= p_from) and (p_to is null or n.created_at < p_to)
          and n.conversation_id in (select id from visible)
        order by n.created_at desc, n.id desc
        limit p_limit
    ), contact_hits as (
        select 'contact'::text, 2, v.id, v.id, null::bigint, null::bigint, null::text,
               coalesce(ct.display_name, '') || ' · ' || ct.external_id, v.at
        from visible v join chat.contacts ct on ct.id = v.contact_id
        where lower(coalesce(ct.display_name, '') || ' ' || ct.external_id || ' ' || coalesce(ct.phone, '')) like v_like escape '\'
          and (v.at, 2, v.id) < (v_at, v_rank, v_id)
          and (p_from is null or v.at >= p_from) and (p_to is null or v.at < p_to)
        order by v.at desc, v.id desc
        limit p_limit
    ), tag_hits as (
        -- One hit per conversation (its first matching tag), so the conversation id keys it.
        select * from (
            select distinct on (v.id) 'tag'::text, 1, v.id, v.id as conversation_id, null::bigint, null::bigint, null::text, t.name, v.at
            from visible v
            join chat.conversation_tags ctg on ctg.conversation_id = v.id
            join chat.tags t on t.id = ctg.tag_id
            where t.project_id = p_project_id and lower(t.name) like v_like escape '\'
              and (v.at, 1, v.id) < (v_at, v_rank, v_id)
              and (p_from is null or v.at >= p_from) and (p_to is null or v.at < p_to)
            order by v.id, lower(t.name)) per_conversation
        order by 9 desc, 3 desc
        limit p_limit
    ), hits as (
        select * from message_hits union all select * from note_hits
        union all select * from contact_hits union all select * from tag_hits
        order by occurred_at desc, rank desc, hit_id desc
        limit p_limit
    )
    select h.kind, h.conversation_id, v.channel, ct.display_name, ct.external_id, v.queue_id, v.status, h.message_id, h.note_id,
           h.direction,
           case when h.kind in ('message', 'note') then ts_headline('chat.mm_search'::regconfig, h.text, v_query, v_options)
                else h.text end,
           h.occurred_at, h.rank, h.hit_id
    from hits h
    join visible v on v.id = h.conversation_id
    join chat.contacts ct on ct.id = v.contact_id
    order by h.occurred_at desc, h.rank desc, h.hit_id desc;
end
$$;
