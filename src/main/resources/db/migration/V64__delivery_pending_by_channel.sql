-- a channel's pending deliveries oldest first: a claim reads them in this order and stops at its limit
-- (Deliveries.claim); no column a claim changes is in it, so claims stay heap-only updates
create index delivery_pending_channel_idx on delivery (channel, id) where status = 'PENDING';
