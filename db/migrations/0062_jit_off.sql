-- JIT compilation off for this database by default (docs/operations.md, "PostgreSQL settings"). The platform's
-- statements are index reads, keyset pages and batches bounded by a limit, which compiled expressions never speed up;
-- but their estimates (prefix searches, generic plans inside functions, temp tables with no statistics) often cross
-- jit_above_cost, and each such call then compiled its plan again: 40-350 ms for a search that runs in 6-10 ms.
-- The services also turn it off on their own connections (DatabaseExtensions.WithoutJit), which covers databases made
-- from a template (CREATE DATABASE … TEMPLATE does not copy this setting). It applies to sessions opened after it.
do $$
begin
    execute format('alter database %I set jit = off', current_database());
end
$$;
