-- Full-text search over the inbox. One configuration serves English and Spanish, which share conversations and
-- often sentences: accents folded (unaccent), no stemming and no stop words (a stemmer of the wrong language mangles
-- words; "no" is a stop word in English and the whole answer in Spanish), and the query matches word prefixes, so
-- "pedido" finds "pedidos" and "order" finds "orders". Trusted extensions: the database owner may create them.
create extension if not exists unaccent;
create extension if not exists pg_trgm;

create text search configuration chat.mm_search (copy = pg_catalog.simple);
alter text search configuration chat.mm_search
    alter mapping for asciiword, asciihword, hword_asciipart, word, hword, hword_part with unaccent, simple;

-- Generated, so every writer (ingestion, sends) keeps it right without knowing about search.
alter table chat.messages add column search_vector tsvector
    generated always as (to_tsvector('chat.mm_search'::regconfig, coalesce(body, ''))) stored;
create index messages_search_idx on chat.messages using gin (search_vector);
-- For frequent terms the planner walks a project's newest messages instead of every match.
create index messages_project_recent_idx on chat.messages (project_id, occurred_at desc);

alter table chat.notes add column search_vector tsvector
    generated always as (to_tsvector('chat.mm_search'::regconfig, body)) stored;
create index notes_search_idx on chat.notes using gin (search_vector);

-- Names, phone numbers and handles are matched as substrings ("4655" finds +34 655 …).
create index contacts_search_trgm on chat.contacts
    using gin ((lower(coalesce(display_name, '') || ' ' || external_id || ' ' || coalesce(phone, ''))) gin_trgm_ops);
-- A contact hit finds its conversations.
create index if not exists conversations_contact_idx on chat.conversations (contact_id);
