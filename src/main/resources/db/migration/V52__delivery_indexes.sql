-- Fewer indexes on delivery, each matching a query that needs it. A status change (DELIVERED, SUPERSEDED, DEAD)
-- adds an entry to every index whose predicate the new row version meets, so an index on status for all rows
-- cost an entry per delivery; claims and figure replacements (no indexed column changes) stay on their page.
drop index delivery_status_idx;
drop index delivery_channel_key_idx;
drop index delivery_due_idx;
-- the dead list of the API and console, newest first, and the dead count
create index delivery_dead_idx on delivery (id desc) where status = 'DEAD';
-- the console's stock page: the last figure each channel received for a sku
create index delivery_ats_delivered_idx on delivery (dedupe_key, channel, delivered_at desc)
    where kind = 'ATS' and status = 'DELIVERED';
