-- Inventory sync and delivery (issue 4).

-- the last available-to-sell figure computed for each channel and sku, and its sequence number: only a
-- changed figure is sent, and sequences only grow, so a receiver can drop anything older than it has
create table ats_state (
    channel        text not null,
    sku            text not null,
    available      integer not null check (available >= 0),
    sequence       bigint not null,
    updated_at     timestamptz not null default now(),
    primary key (channel, sku)
);

-- deliveries: order per key, a lease while a dispatcher sends one, and the time of the change it announces
alter table delivery add column ordering_key text;
alter table delivery add column claimed_until timestamptz;
alter table delivery add column event_at timestamptz;
alter table delivery add column sequence bigint;
alter table delivery add column updated_at timestamptz not null default now();
update delivery set ordering_key = dedupe_key where ordering_key is null;
alter table delivery alter column ordering_key set not null;
create index delivery_pending_key_idx on delivery (channel, kind, ordering_key, id) where status = 'PENDING';
create index delivery_status_idx on delivery (status, id desc);
-- an order status is owed to a channel once, even if two consumers race on a redelivered message
create unique index delivery_order_status_once_idx on delivery (channel, dedupe_key) where kind = 'ORDER_STATUS';
