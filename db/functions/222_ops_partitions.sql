-- Tables partitioned by ranges of their id (ops.id_partitioned_tables; migration 0050): partitions are made ahead of the
-- id sequence, and retention drops a whole partition once the sequence has moved past it and its newest row is past
-- the cut-off. Called by the Worker's retention loop.

-- A range partition's bounds from its catalog expression ("FOR VALUES FROM ('1') TO ('11')"; MINVALUE is null).
create or replace function ops.id_partition_bounds(p_partition oid, out lower_id bigint, out upper_id bigint)
language sql stable as $$
    select (regexp_match(e, 'FROM \(''?(-?\d+)''?\)'))[1]::bigint, (regexp_match(e, 'TO \(''?(-?\d+)''?\)'))[1]::bigint
    from (select pg_get_expr(c.relpartbound, c.oid) as e from pg_class c where c.oid = p_partition) x
$$;

-- The partitions of a registered parent: name, bounds, and whether it is the default one.
create or replace function ops.id_partitions(p_parent text)
returns table (partition_name text, lower_id bigint, upper_id bigint, is_default boolean)
language sql stable as $$
    select format('%I.%I', n.nspname, c.relname), b.lower_id, b.upper_id, pg_get_expr(c.relpartbound, c.oid) = 'DEFAULT'
    from pg_inherits i
    join pg_class c on c.oid = i.inhrelid
    join pg_namespace n on n.oid = c.relnamespace
    cross join lateral ops.id_partition_bounds(c.oid) b
    where i.inhparent = p_parent::regclass
    order by b.upper_id nulls last
$$;

-- The columns a row can be copied by (generated ones, like messages' search_vector, are computed again on insert).
create or replace function ops.insertable_columns(p_table text) returns text
language sql stable as $$
    select string_agg(quote_ident(attname), ', ' order by attnum)
    from pg_attribute where attrelid = p_table::regclass and attnum > 0 and not attisdropped and attgenerated = ''
$$;

-- Every lock that attaching a partition of p_parent takes, taken together without waiting, retried for about a second
-- (ops.ensure_id_partitions says why); false when they could not all be had.
create or replace function ops.lock_for_attach(p_parent text) returns boolean
language plpgsql as $$
declare
    v_related text := (select string_agg(distinct t::regclass::text, ', ')
                       from (select conrelid as t from pg_constraint where contype = 'f' and confrelid = p_parent::regclass and conparentid = 0
                             union
                             select confrelid from pg_constraint where contype = 'f' and conrelid = p_parent::regclass) x
                       where t <> p_parent::regclass);
    v_default text := (select partition_name from ops.id_partitions(p_parent) where is_default);
begin
    for attempt in 1 .. 20 loop
        begin
            execute format('lock table %s in share update exclusive mode nowait', p_parent);
            if v_default is not null then execute format('lock table %s in access exclusive mode nowait', v_default); end if;
            if v_related is not null then execute format('lock table %s in share row exclusive mode nowait', v_related); end if;
            return true;
        exception when lock_not_available then
            perform pg_sleep(0.005 * attempt);
        end;
    end loop;
    return false;
end
$$;

-- Makes partitions until one whole empty span lies ahead of the sequence's last value; returns how many it made. Rows
-- that went to the default partition meanwhile (nothing made a partition in time) move into the new one where nothing
-- points at them, so the default stays empty; elsewhere they stay and the new range starts after them (below).
--
-- Locks. Attaching a partition of a table with foreign keys takes SHARE ROW EXCLUSIVE on every table on either end of
-- them (for messages: conversations, accounts, projects, users, agents, flows, and the outbox, media, calls… that
-- point at messages), which conflicts with every write to them. Taken one by one while the product writes, that
-- deadlocked (found by the Worker's tests: an AI media claim holding a row of ai_media_jobs and reading messages). So
-- all of them are taken first, at once and without waiting (NOWAIT), a few times a few milliseconds apart; if they
-- cannot all be had, this pass makes nothing and the next pass tries again (the default partition takes rows
-- meanwhile). Holding nothing while waiting, the pass can never be part of a deadlock; holding them, it only creates
-- and attaches an empty table (milliseconds).
create or replace function ops.ensure_id_partitions(p_parent text) returns int
language plpgsql as $$
declare
    v_span bigint;
    v_last bigint;
    v_high bigint;
    v_default text;
    v_name text;
    v_stray boolean;
    v_movable boolean;
    v_after bigint;
    v_made int := 0;
    v_column record;
begin
    select span into v_span from ops.id_partitioned_tables where parent = p_parent;
    if v_span is null then raise exception 'ops.ensure_id_partitions: % is not in ops.id_partitioned_tables', p_parent; end if;
    execute format('select last_value from %s', pg_get_serial_sequence(p_parent, 'id')) into v_last;
    select max(upper_id) filter (where not is_default), max(partition_name) filter (where is_default)
    into v_high, v_default from ops.id_partitions(p_parent);
    v_high := coalesce(v_high, 1);
    if v_high >= v_last + v_span then return 0; end if;
    if not ops.lock_for_attach(p_parent) then return 0; end if;
    -- A row can move out of the default partition only where nothing else reacts to its delete: a table other rows
    -- point at (messages: the outbox, media…) would see them vanish, and a table with row triggers (messages' and
    -- statuses' key tables) would release their keys. There the rows stay in the default partition, still found and
    -- still unique, and the next partition starts after the last of them.
    v_movable := not exists (select 1 from pg_constraint where contype = 'f' and confrelid = p_parent::regclass)
                 and not exists (select 1 from pg_trigger where tgrelid = p_parent::regclass and not tgisinternal);
    if v_default is not null and not v_movable then
        execute format('select max(id) + 1 from %s where id >= $1', v_default) into v_after using v_high;
        v_high := greatest(v_high, coalesce(v_after, v_high));
    end if;
    while v_high < v_last + v_span loop
        v_name := format('%s_p%s', p_parent, v_high);
        v_stray := false;
        if v_default is not null and v_movable then
            execute format('select exists (select 1 from %s where id >= $1 and id < $2)', v_default) into v_stray using v_high, v_high + v_span;
        end if;
        -- Made beside the table and then attached, never CREATE ... PARTITION OF: attaching takes a weaker lock on the
        -- parent, so inserts and the feed's readers go on. Rows the default partition took meanwhile move in first.
        execute format('create table %s (like %s including all)', v_name, p_parent);
        -- LIKE does not copy the columns' statistics targets (migration 0067 turns some off)
        for v_column in select a.attname, a.attstattarget from pg_attribute a
                        where a.attrelid = p_parent::regclass and a.attnum > 0 and not a.attisdropped and a.attstattarget >= 0 loop
            execute format('alter table %s alter column %I set statistics %s', v_name, v_column.attname, v_column.attstattarget);
        end loop;
        if v_stray then
            execute format('with moved as (delete from %s where id >= $1 and id < $2 returning *) insert into %s (%s) select %3$s from moved',
                           v_default, v_name, ops.insertable_columns(p_parent)) using v_high, v_high + v_span;
        end if;
        execute format('alter table %s attach partition %s for values from (%s) to (%s)', p_parent, v_name, v_high, v_high + v_span);
        v_high := v_high + v_span;
        v_made := v_made + 1;
    end loop;
    return v_made;
end
$$;

-- The statistics of the tables partitioned by id as a whole, which autovacuum never gathers (it analyzes each partition,
-- never the parent): each parent not analyzed within p_older_than is analyzed now (ANALYZE of a parent on PostgreSQL 15
-- also samples each partition again: ~30,000 rows each, seconds at tens of millions of rows; a lock that only other
-- ANALYZEs and schema changes wait for). A parent another Worker is analyzing is skipped. Returns how many it analyzed.
create or replace function ops.analyze_id_partitioned(p_older_than interval) returns int
language plpgsql as $$
declare
    v_parent text;
    v_done int := 0;
begin
    for v_parent in
        select parent from ops.id_partitioned_tables
        where analyzed_at is null or analyzed_at < now() - p_older_than
        order by parent
        for update skip locked
    loop
        execute format('analyze %s', v_parent);
        update ops.id_partitioned_tables set analyzed_at = now() where parent = v_parent;
        v_done := v_done + 1;
    end loop;
    return v_done;
end
$$;

-- Drops the partitions the sequence has moved past whose newest row (by the table's time column) is older than
-- p_before; returns how many. The rows of a dropped partition matching p_keep (a condition on its columns, e.g. the raw
-- events that still need attention) are put back into the table first, where the default partition takes them: their
-- range belongs to no partition any more.
-- Locks: a lock that cannot be had within the function's lock timeout (a long reader; a writer that locked every
-- partition through the parent) ends the pass, and the next one tries again, rather than queueing every reader and
-- writer behind a waiting drop. The timeout is below deadlock_timeout (1 s), so in a lock cycle this gives way first.
drop function if exists ops.drop_id_partitions(text, timestamptz);
create or replace function ops.drop_id_partitions(p_parent text, p_before timestamptz, p_keep text default null) returns int
language plpgsql set lock_timeout = '500ms' as $$
declare
    v_last bigint;
    v_time_column text;
    v_partition record;
    v_newest timestamptz;
    v_dropped int := 0;
begin
    select time_column into v_time_column from ops.id_partitioned_tables where parent = p_parent;
    if v_time_column is null then raise exception 'ops.drop_id_partitions: % is not in ops.id_partitioned_tables', p_parent; end if;
    execute format('select last_value from %s', pg_get_serial_sequence(p_parent, 'id')) into v_last;
    for v_partition in select * from ops.id_partitions(p_parent) where not is_default and upper_id <= v_last order by upper_id loop
        begin
            -- Share-locked before it is looked at, so a row inserted by a transaction still open (an id taken just before
            -- the sequence moved on) is waited for and seen; readers are not held up by it.
            execute format('lock table %s in share mode', v_partition.partition_name);
            execute format('select %I from %s order by id desc limit 1', v_time_column, v_partition.partition_name) into v_newest;
            exit when v_newest >= p_before; -- ids grow with time: the partitions after it are newer still
            -- Only now the parent, exclusively (a drop needs it): for the few milliseconds of the drop.
            execute format('lock table %s in access exclusive mode', p_parent);
            execute format('lock table %s in access exclusive mode', v_partition.partition_name);
            if p_keep is not null then
                execute format('create temp table id_partition_kept as select * from %s where %s', v_partition.partition_name, p_keep);
            end if;
            execute format('drop table %s', v_partition.partition_name);
            if p_keep is not null then
                execute format('insert into %s (%s) select %2$s from id_partition_kept', p_parent, ops.insertable_columns(p_parent));
                drop table id_partition_kept;
            end if;
            v_dropped := v_dropped + 1;
        exception when lock_not_available then
            exit;
        end;
    end loop;
    return v_dropped;
end
$$;
