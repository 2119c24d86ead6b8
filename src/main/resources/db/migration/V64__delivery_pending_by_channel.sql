-- a channel's pending deliveries oldest first: a claim reads them in this order and stops at its limit
-- (Deliveries.claim orders by id + 0, which only this index provides: ordered by id itself, the planner could walk the
-- primary key through every delivered row before the first pending one); no column a claim changes is in it, so
-- claims stay heap-only updates
create index delivery_pending_channel_idx on delivery (channel, (id + 0)) where status = 'PENDING';
