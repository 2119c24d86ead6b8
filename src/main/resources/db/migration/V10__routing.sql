-- Order routing (issue 3): per-order routing state, per-node daily order counts, hold lines, and indexes for the
-- queries routing, shipping and hold expiry run.

-- what routing remembers about an order between attempts
create table order_routing (
    order_id            text primary key references orders (id),
    -- nodes that rejected the order: never chosen for it again
    excluded_nodes      text[] not null default '{}',
    -- routing decisions taken (ROUTED or UNFULFILLABLE)
    decisions           integer not null default 0,
    -- highest ledger_entry id for the order's skus when it was found unfulfillable: a newer entry that adds
    -- availability triggers a retry
    last_ledger_id      bigint not null default 0,
    unfulfillable_since timestamptz,
    updated_at          timestamptz not null default now()
);

-- orders routed to a node per day: the daily cap is checked against this, conditionally, in the routing transaction
create table node_daily_orders (
    node_id text not null references node (id),
    day     date not null,
    orders  integer not null default 0 check (orders >= 0),
    primary key (node_id, day)
);

-- the lines a hold was asked for (its reservations may spread them over nodes)
create table hold_line (
    hold_id  text not null references hold (id),
    line_no  integer not null,
    sku      text not null references item (sku),
    quantity integer not null check (quantity > 0),
    primary key (hold_id, line_no)
);

create index reservation_node_active_idx on reservation (node_id) where status = 'ACTIVE';
create index hold_active_expiry_idx on hold (expires_at) where status = 'ACTIVE';
create index hold_order_idx on hold (order_id) where order_id is not null;
create index orders_unfulfillable_idx on orders (updated_at) where status in ('UNFULFILLABLE', 'RECEIVED', 'REJECTED');
