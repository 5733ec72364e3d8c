-- What the operator console keeps per user and per project.

-- Language and theme follow the user from browser to browser (the Front also keeps them in cookies).
alter table core.users
    add column language text check (language in ('en', 'es')),
    add column theme text check (theme in ('dark', 'light'));

-- Feature flags per project: a module of the console is shown only where it is enabled. Rows override the
-- defaults of core.console_features; a project without rows gets the defaults.
create table core.project_features (
    project_id  bigint not null references core.projects,
    feature     text not null,
    enabled     boolean not null,
    updated_at  timestamptz not null default now(),
    primary key (project_id, feature)
);

-- Pin-to-top is personal: one agent's pins do not reorder a colleague's list.
create table chat.conversation_pins (
    user_id          bigint not null references core.users,
    conversation_id  bigint not null references chat.conversations,
    project_id       bigint not null references core.projects,
    pinned_at        timestamptz not null default now(),
    primary key (user_id, conversation_id)
);
create index conversation_pins_project_idx on chat.conversation_pins (user_id, project_id);

-- A contact's conversations across accounts, for the operations rail's history.
create index conversations_contact_idx on chat.conversations (contact_id);
