-- Dead letters handled from Ops (issue 12): replayed (the same message back through the outbox) or discarded with a
-- reason, each by someone, at a time. Devs and admins may do it.
alter table ops.dead_letters
    add column replayed_at timestamptz,
    add column replayed_by bigint references core.users,
    add column discarded_at timestamptz,
    add column discarded_by bigint references core.users,
    add column discard_reason text;

insert into core.role_permissions (role, permission) values ('dev', 'deadletters.manage'), ('admin', 'deadletters.manage')
on conflict do nothing;
