-- The SLA tile counts the unanswered episodes past their queue's target, which depends on now: it computed the business
-- seconds of every unanswered episode of the period at each read (5,000 in 7 days at 10 M messages: 43 ms). Each
-- unanswered episode now keeps the instant it passes its target (business hours and target of the moment it is
-- computed, as the episode's durations are); a read compares it with now.
alter table ops.dash_episodes add column sla_due_at timestamptz;

-- The unanswered episodes already there get theirs from the first rollup pass (ops.dash_sla_due_catch_up).
create table ops.dash_sla_due_pending (project_id bigint primary key references core.projects);
insert into ops.dash_sla_due_pending select id from core.projects;
