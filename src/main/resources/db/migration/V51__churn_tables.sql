-- Tables whose rows are updated many times a second under load (a delivery is claimed, then delivered or
-- superseded; an outbox row is processed; stock and channel figures change with every event). Room in each page
-- lets an update that changes no indexed column stay on its page (a HOT update: no new index entries), and
-- vacuum and analyze run after a small share of the rows changed rather than the default fifth, so the planner
-- knows the pending rows are few and index scans do not wade through dead entries.
alter table delivery set (fillfactor = 80,
    autovacuum_vacuum_scale_factor = 0.01, autovacuum_vacuum_threshold = 1000,
    autovacuum_analyze_scale_factor = 0.02, autovacuum_analyze_threshold = 1000);
alter table outbox set (fillfactor = 80,
    autovacuum_vacuum_scale_factor = 0.01, autovacuum_vacuum_threshold = 1000,
    autovacuum_analyze_scale_factor = 0.02, autovacuum_analyze_threshold = 1000);
alter table stock set (fillfactor = 80);
alter table ats_state set (fillfactor = 70);
