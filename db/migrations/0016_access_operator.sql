-- Platform operators: the only users who see platform-wide views that cross tenants (every worker's heartbeat details,
-- which can carry another project's Meta error text). A project admin's ops.read covers their own project only.
alter table core.users add column is_operator boolean not null default false;
