-- WhatsApp calls (issue 17, docs/calls.md): per-number calling settings the Worker pushes to Meta, who may take and
-- make calls, every call with its live state and outcome, its audit trail, the Worker's queue of call actions, the
-- customers' call permissions and the requests for them, and recordings made by the agent's browser.
-- There is no WebRTC stack on the server: the agent's browser is the media peer; the platform carries the signalling
-- (SDP offers and answers) between the browser and Meta, through the Core API (writes), the database and the Worker
-- (the only process that calls Meta).

-- Who may do what, per project (the role's permissions): agents, supervisors and admins take and make calls; the
-- switchboard (every live call and every agent's call state) is for admins and devs; admins configure calling;
-- supervisors, admins and devs listen to any recording (the agent who took a call hears its own).
insert into core.role_permissions (role, permission)
select r.role, p.permission
from (values
    ('agent', 'calls.take'), ('supervisor', 'calls.take'), ('admin', 'calls.take'),
    ('agent', 'calls.make'), ('supervisor', 'calls.make'), ('admin', 'calls.make'),
    ('admin', 'calls.switchboard'), ('dev', 'calls.switchboard'),
    ('admin', 'calls.manage'),
    ('supervisor', 'calls.recordings'), ('admin', 'calls.recordings'), ('dev', 'calls.recordings')
) as p(role, permission) join (select name as role from core.roles) r using (role)
on conflict do nothing;

-- Calling per WhatsApp number. What Meta holds (status, icon, call hours, callback permission) is written here by the
-- console and pushed by the Worker through POST /{phone-number-id}/settings; sync_state says whether Meta has it.
-- call_hours is Meta's own object (status, timezone_id, weekly_operating_hours, holiday_schedule), kept whole.
-- Recording is the platform's: the agent's browser records with a notice shown to both the agent and (by the
-- agent's words) the customer; recordings are kept recording_retention_days, then deleted by the retention loop.
create table calls.settings (
    account_id                bigint primary key references meta.accounts,
    project_id                bigint not null references core.projects,
    calling_enabled           boolean not null default false,
    icon_visible              boolean not null default true,
    callback_permission       boolean not null default false,
    call_hours                jsonb,
    recording_enabled         boolean not null default false,
    recording_retention_days  int not null default 90 check (recording_retention_days between 1 and 3650),
    sync_state                text not null default 'pending' check (sync_state in ('pending', 'synced', 'failed')),
    sync_error                text,
    synced_at                 timestamptz,
    version                   int not null default 1,
    updated_by                bigint references core.users,
    updated_at                timestamptz not null default now()
);
create index settings_project_idx on calls.settings (project_id);

-- Who may take or make calls on one number. A number that lists nobody lets every person whose role has calls.take /
-- calls.make; a number that lists people lets only them (each for what their row allows), on top of the role.
create table calls.account_agents (
    account_id  bigint not null references meta.accounts,
    user_id     bigint not null references core.users,
    project_id  bigint not null references core.projects,
    can_take    boolean not null default true,
    can_make    boolean not null default true,
    created_at  timestamptz not null default now(),
    primary key (account_id, user_id)
);
create index account_agents_project_idx on calls.account_agents (project_id);

-- One row per call. state is where the call is now; outcome how it ended:
--   in  (USER_INITIATED):     ringing → accepting (one person took it: the database lets only one) → connected → ended
--   out (BUSINESS_INITIATED): connecting (the Worker has the browser's offer) → ringing (Meta's answer / RINGING) →
--                             connected (ACCEPTED) → ended
-- outcome: completed (connected, then ended), missed (an inbound call nobody took), rejected (by us or by the
-- customer), failed (Meta's FAILED with its error, or our action refused), cancelled (ended by its caller while
-- ringing). provider_call_id is Meta's wacid (an outbound call has it once the Worker's connect returned).
create table calls.calls (
    id                bigint generated always as identity primary key,
    project_id        bigint not null references core.projects,
    account_id        bigint not null references meta.accounts,
    conversation_id   bigint not null references chat.conversations,
    contact_id        bigint not null references chat.contacts,
    provider_call_id  text,
    direction         text not null check (direction in ('in', 'out')),
    state             text not null check (state in ('connecting', 'ringing', 'accepting', 'connected', 'ended')),
    outcome           text check (outcome in ('completed', 'missed', 'rejected', 'failed', 'cancelled')),
    offer_sdp         text,
    answer_sdp        text,
    started_by        bigint references core.users,
    accepted_by       bigint references core.users,
    on_hold           boolean not null default false,
    ringing_at        timestamptz not null default now(),
    accepted_at       timestamptz,
    connected_at      timestamptz,
    ended_at          timestamptz,
    duration_seconds  int,
    ended_by          text check (ended_by in ('customer', 'agent', 'meta', 'platform')),
    error_code        int,
    error_title       text,
    error_details     text,
    -- the call's event in the conversation's thread (a chat.messages row of type 'call', filled in as it progresses)
    message_id        bigint references chat.messages,
    created_at        timestamptz not null default now(),
    updated_at        timestamptz not null default now(),
    check ((state = 'ended') = (outcome is not null))
);
create unique index calls_provider_id_key on calls.calls (account_id, provider_call_id) where provider_call_id is not null;
create index calls_live_idx on calls.calls (project_id, id) where state <> 'ended';
create index calls_conversation_idx on calls.calls (conversation_id, id);
create index calls_project_idx on calls.calls (project_id, id);

-- What happened to each call, in order, from every side: Meta's webhooks (source webhook, with the raw event),
-- the Worker's Graph calls and Meta's answers (graph), people in the console (console), the platform's own decisions
-- (platform: a ring that timed out, a refusal). The switchboard and the call's details read it; nothing else does.
create table calls.call_events (
    id           bigint generated always as identity primary key,
    project_id   bigint not null references core.projects,
    call_id      bigint not null references calls.calls,
    source       text not null check (source in ('webhook', 'graph', 'console', 'platform')),
    name         text not null,
    detail       jsonb,
    user_id      bigint references core.users,
    event_id     bigint,
    occurred_at  timestamptz not null default now()
);
create index call_events_call_idx on calls.call_events (call_id, id);

-- The Worker's call actions loop (lease-based like every queue). connect / pre_accept / accept / reject / terminate
-- carry a call; settings pushes an account's calls.settings; permission_lookup reads GET call_permissions for a
-- contact. sdp: the browser's offer (connect) or answer (pre_accept, accept). Woken by NOTIFY 'call_actions': an
-- accept must reach Meta within its window (about 30 s after the connect webhook).
create table calls.actions (
    id               bigint generated always as identity primary key,
    project_id       bigint not null references core.projects,
    account_id       bigint not null references meta.accounts,
    call_id          bigint references calls.calls,
    contact_id       bigint references chat.contacts,
    kind             text not null check (kind in ('connect', 'pre_accept', 'accept', 'reject', 'terminate', 'settings', 'permission_lookup')),
    sdp              text,
    state            text not null default 'pending' check (state in ('pending', 'done', 'failed')),
    requested_by     bigint references core.users,
    locked_by        text,
    locked_until     timestamptz,
    attempt_count    int not null default 0,
    next_attempt_at  timestamptz not null default now(),
    last_error       text,
    response         jsonb,
    created_at       timestamptz not null default now(),
    done_at          timestamptz,
    check ((kind in ('settings', 'permission_lookup')) or call_id is not null),
    check (kind <> 'permission_lookup' or contact_id is not null)
);
create index actions_pending_idx on calls.actions (next_attempt_at, id) where state = 'pending';
create index actions_call_idx on calls.actions (call_id) where call_id is not null;

-- A customer's permission for the business to call them, per number: from their reply to a request (field messages,
-- interactive call_permission_reply: permanent, or temporary until expires_at), automatic (a user call to a number
-- with callback permission on) or a lookup (GET call_permissions, the truth: no webhook says a temporary permission
-- expired or the user revoked it). The lookup's limits (requests and calls per 24 h / 7 days) are kept as Meta gave
-- them, never hard-coded.
create table calls.permissions (
    account_id         bigint not null references meta.accounts,
    contact_id         bigint not null references chat.contacts,
    project_id         bigint not null references core.projects,
    status             text not null check (status in ('no_permission', 'temporary', 'permanent')),
    expires_at         timestamptz,
    source             text not null check (source in ('reply', 'automatic', 'lookup')),
    reply_message_id   bigint references chat.messages,
    limits             jsonb,
    looked_up_at       timestamptz,
    updated_at         timestamptz not null default now(),
    primary key (account_id, contact_id)
);
create index permissions_project_idx on calls.permissions (project_id);

-- Each permission request sent (an interactive call_permission_request message through the outbox): the platform
-- enforces Meta's limits per number and customer before sending (1 per 24 h, 2 per 7 days, reset by a connected call;
-- none once permission is permanent) and explains a refusal; Meta's 138009 / 138017 remain the backstop.
create table calls.permission_requests (
    id               bigint generated always as identity primary key,
    project_id       bigint not null references core.projects,
    account_id       bigint not null references meta.accounts,
    contact_id       bigint not null references chat.contacts,
    conversation_id  bigint not null references chat.conversations,
    message_id       bigint not null references chat.messages,
    requested_by     bigint references core.users,
    requested_at     timestamptz not null default now(),
    response         text check (response in ('accept', 'reject')),
    responded_at     timestamptz
);
create index permission_requests_pair_idx on calls.permission_requests (account_id, contact_id, requested_at);
create index permission_requests_message_idx on calls.permission_requests (message_id);

-- A call's recording, made by the agent's browser (MediaRecorder, audio/webm or audio/ogg with opus) and uploaded to
-- the Core API, which stores it in the media store (S3 or folder) under storage_key, check then store, as an agent's
-- attachment is (docs/media.md). Deleted with its file after the number's retention (expires_at).
create table calls.recordings (
    id            bigint generated always as identity primary key,
    project_id    bigint not null references core.projects,
    call_id       bigint not null references calls.calls,
    mime_type     text not null,
    size_bytes    bigint not null check (size_bytes > 0),
    sha256        text not null,
    duration_ms   int,
    storage_key   text not null,
    recorded_by   bigint references core.users,
    created_at    timestamptz not null default now(),
    expires_at    timestamptz not null,
    deleted_at    timestamptz
);
create unique index recordings_call_key on calls.recordings (call_id) where deleted_at is null;
create index recordings_expiry_idx on calls.recordings (expires_at) where deleted_at is null;
