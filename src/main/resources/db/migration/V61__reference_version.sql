-- Intake reads skus, stores and channels from a cache (io.omnihub.reference.ReferenceCache) instead of the database
-- for every order. Every change to that reference data, by any writer (admin API, demo data, another hub instance, an
-- operator's psql), bumps this one version row in the changing transaction; each instance polls it and drops its
-- cache when it moved, so the cache is never stale for longer than the poll interval after the change commits.
create table reference_version (
    id         integer primary key check (id = 1),
    version    bigint not null,
    changed_at timestamptz not null default now()
);
insert into reference_version (id, version) values (1, 1);

create function bump_reference_version() returns trigger language plpgsql as $$
begin
    update reference_version set version = version + 1, changed_at = now() where id = 1;
    return null;
end;
$$;

-- statement-level: one bump per statement however many rows it changed
create trigger item_reference_version after insert or update or delete or truncate on item
    for each statement execute function bump_reference_version();
create trigger node_reference_version after insert or update or delete or truncate on node
    for each statement execute function bump_reference_version();
create trigger channel_reference_version after insert or update or delete or truncate on channel
    for each statement execute function bump_reference_version();
