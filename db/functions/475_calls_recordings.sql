-- A call's recording (docs/calls.md "Recordings"): the browser of the person on the call records the call's audio with a
-- notice shown on both ends of the console, and uploads it when the call ends. The Core API checks here, in the
-- transaction that then stores the file and commits (check, then store, as an agent's attachment): a refused upload
-- never reaches the media store. Retention (473_calls_retention.sql) deletes the file and marks the row.

-- Refusal codes: call_not_found, call_not_yours (only who took or placed the call records it), recording_disabled
-- (the number does not record), call_not_connected (nothing was said), recording_exists (one per call; the unique
-- index is the backstop for two uploads at once). Else the new row's id, as text.
create or replace function calls.add_recording(p_project_id bigint, p_call_id bigint, p_user_id bigint, p_mime_type text,
                                               p_size_bytes bigint, p_sha256 text, p_duration_ms int, p_storage_key text)
returns text
language plpgsql as $$
declare
    c calls.calls;
    v_days int;
    v_enabled boolean;
    v_id bigint;
begin
    select * into c from calls.calls where id = p_call_id and project_id = p_project_id for update;
    if not found then return 'call_not_found'; end if;
    if p_user_id is distinct from c.accepted_by and p_user_id is distinct from c.started_by then return 'call_not_yours'; end if;
    select s.recording_enabled, s.recording_retention_days into v_enabled, v_days from calls.settings s where s.account_id = c.account_id;
    if not coalesce(v_enabled, false) then return 'recording_disabled'; end if;
    if c.connected_at is null then return 'call_not_connected'; end if;
    if exists (select 1 from calls.recordings r where r.call_id = c.id and r.deleted_at is null) then return 'recording_exists'; end if;
    insert into calls.recordings (project_id, call_id, mime_type, size_bytes, sha256, duration_ms, storage_key, recorded_by, expires_at)
    values (c.project_id, c.id, p_mime_type, p_size_bytes, p_sha256, p_duration_ms, p_storage_key, p_user_id, now() + make_interval(days => v_days))
    returning id into v_id;
    perform calls.log_event(c.id, 'console', 'recording_uploaded',
                            jsonb_build_object('size_bytes', p_size_bytes, 'duration_ms', p_duration_ms, 'mime_type', p_mime_type), p_user_id);
    perform calls.touch(c.id);
    return v_id::text;
end
$$;

-- A failed store after add_recording rolled back: whether another live recording still points at the same
-- content-addressed key (then its file must stay).
create or replace function calls.recording_key_in_use(p_storage_key text) returns boolean
language sql stable as $$
    select exists (select 1 from calls.recordings where storage_key = p_storage_key and deleted_at is null)
$$;

-- Who may hear a call's recording: calls.recordings (checked by the API), or who took or placed the call.
create or replace function calls.recording_of(p_project_id bigint, p_call_id bigint)
returns table (id bigint, mime_type text, size_bytes bigint, storage_key text, accepted_by bigint, started_by bigint)
language sql stable as $$
    select r.id, r.mime_type, r.size_bytes, r.storage_key, c.accepted_by, c.started_by
    from calls.calls c join calls.recordings r on r.call_id = c.id and r.deleted_at is null
    where c.id = p_call_id and c.project_id = p_project_id
$$;

