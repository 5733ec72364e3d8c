-- Media understood by AI (issue 14, docs/ai-media-and-manual.md): what AI made of a customer's voice note, photo or
-- document (chat.messages.ai_text, 0031) is found by the inbox search like the message's own text.
--
-- An expression index rather than a generated ai_search_vector column: ADD COLUMN … GENERATED ALWAYS … STORED rewrites
-- every row of chat.messages (10 M in the sizing) under an ACCESS EXCLUSIVE lock that stops ingestion for the whole
-- rewrite, while CREATE INDEX reads the table once and only blocks writes for that read; and being partial, it holds
-- only the few messages that have an ai_text. chat.search (390_chat_search.sql) writes the same expression, which is
-- how the planner finds this index; the existing search_vector is left as it is.
create index messages_ai_search_idx on chat.messages
    using gin (to_tsvector('chat.mm_search'::regconfig, ai_text)) where ai_text is not null;
