-- ── Who sees what inside a project ─────────────────────────────────────────────────────────────────────────────
-- The one queue-visibility rule for everything that reaches a conversation other than by its own id: the
-- conversation list, search, a contact's history, the contact picker, consent, initiation into an existing
-- conversation, internal-chat cards. Supervisors
-- and up (conversations.read_all_queues) see every queue; an agent sees her queues, what is assigned to her, and
-- what is not routed yet. ProjectAccess.CanSee (Core API) applies the same rule to the cached grants, for lookups
-- by conversation id and for pushes; QueueVisibilityTests ties the two together.
--
-- Two parts, so a query reads the grants once and tests each row with a plain expression: chat.sight reads the
-- grants from the tables (no caller can hand in the wrong ones), chat.in_sight is the rule. in_sight has no
-- sub-select, so the planner inlines it; a rule that looked the grants up per row (a function with EXISTS is never
-- inlined) cost 0.8 ms a row, 37 s for a contact picker over 50,000 customers (see chat.contact_sight).

-- A user's grants in a project: no row when she is not an active member.
create or replace function chat.sight(p_user_id bigint, p_project_id bigint)
returns table (reads boolean, all_queues boolean, queue_ids bigint[])
language sql stable as $$
    select 'conversations.read' = any (ua.permissions), 'conversations.read_all_queues' = any (ua.permissions), ua.queue_ids
    from core.user_access(p_user_id) ua
    where ua.project_id = p_project_id
$$;

-- The rule: whether a user with these grants sees this conversation. True or false, never null (callers negate it);
-- null grants (no chat.sight row) see nothing.
create or replace function chat.in_sight(cv chat.conversations, p_user_id bigint, p_reads boolean, p_all_queues boolean,
                                         p_queue_ids bigint[])
returns boolean
language sql immutable as $$
    select coalesce(p_reads and (p_all_queues or cv.queue_id is null or cv.queue_id = any (p_queue_ids)
                                 or cv.assigned_user_id = p_user_id), false)
$$;
