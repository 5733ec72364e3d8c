-- Call recordings past their number's retention (calls.recordings.expires_at, set at upload from
-- calls.settings.recording_retention_days): the Worker's retention loop deletes the file from the media store, then
-- forgets the row. File first: a file deleted whose row is not yet forgotten is deleted again on the next pass (a
-- delete of a missing key succeeds); a row forgotten first would leave an orphan file no pass would find again.
-- Several Workers may run a pass at once: both steps are idempotent, so no lock is needed.

-- shared: another live recording points at the same content-addressed key (the same bytes uploaded twice, which
-- only happens when a test or a person uploads one file for two calls); its file must stay.
create or replace function calls.expired_recordings(p_now timestamptz, p_batch int)
returns table (id bigint, storage_key text, shared boolean)
language sql stable as $$
    select r.id, r.storage_key,
           exists (select 1 from calls.recordings o
                   where o.storage_key = r.storage_key and o.id <> r.id and o.deleted_at is null and o.expires_at > p_now)
    from calls.recordings r
    where r.deleted_at is null and r.expires_at <= p_now
    order by r.expires_at, r.id
    limit p_batch
$$;

-- The row stays (the call's history says a recording existed and when it went); the thread stops offering it.
create or replace function calls.forget_recording(p_id bigint) returns boolean
language plpgsql as $$
declare
    v_call_id bigint;
begin
    update calls.recordings set deleted_at = now() where id = p_id and deleted_at is null returning call_id into v_call_id;
    if v_call_id is null then return false; end if;
    perform calls.log_event(v_call_id, 'platform', 'recording_deleted', jsonb_build_object('reason', 'retention'));
    perform calls.touch(v_call_id);
    return true;
end
$$;
