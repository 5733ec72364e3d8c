-- Unread counts per agent: each agent's own read position in each conversation (the latest message they had seen
-- when they read it). conversations.unread_count stays as the team's count (since anyone last read).
create table chat.conversation_reads (
    user_id          bigint not null references core.users,
    conversation_id  bigint not null references chat.conversations,
    project_id       bigint not null references core.projects,
    last_read_at     timestamptz not null,
    primary key (user_id, conversation_id)
);
