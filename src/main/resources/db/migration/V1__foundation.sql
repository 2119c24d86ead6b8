-- omnihub foundation schema: nodes, items, channels, stock, orders, reservations, ledger, outbox,
-- idempotency keys, deliveries and dead letters. Later migrations per feature:
-- V10-V19 routing, V20-V29 sync/delivery, V30-V39 connectors, V40-V49 console, V50-V59 routing policy.

create table node (
    id              text primary key,
    name            text not null,
    type            text not null check (type in ('WAREHOUSE', 'STORE', 'DROPSHIP')),
    latitude        double precision not null,
    longitude       double precision not null,
    -- what the node can do: SHIP_TO_HOME, PICKUP_IN_STORE, CURBSIDE, SAME_DAY, SHIP_FROM_STORE
    capabilities    text[] not null default '{}',
    -- orders per day the node accepts; null means no cap
    daily_order_cap integer check (daily_order_cap is null or daily_order_cap >= 0),
    -- units per sku kept back for walk-in shoppers (stores) unless stock.safety_stock overrides it
    safety_stock    integer not null default 0 check (safety_stock >= 0),
    cost_per_order  numeric(10, 2) not null default 0,
    enabled         boolean not null default true,
    -- how fulfillment requests reach the node: WMS_SFTP, STORE_HTTP, STORE_KAFKA, PARTNER_SFTP
    sink            text not null default 'NONE',
    created_at      timestamptz not null default now()
);

create table item (
    sku        text primary key,
    name       text not null,
    unit_price numeric(12, 2),
    created_at timestamptz not null default now()
);

create table channel (
    id          text primary key,
    name        text not null,
    -- ORDERS may be split across nodes for this channel
    allow_split boolean not null default true,
    created_at  timestamptz not null default now()
);

-- which nodes' stock a channel may sell
create table channel_node (
    channel_id text not null references channel (id),
    node_id    text not null references node (id),
    primary key (channel_id, node_id)
);

create table stock (
    node_id      text not null references node (id),
    sku          text not null references item (sku),
    on_hand      integer not null default 0 check (on_hand >= 0),
    reserved     integer not null default 0 check (reserved >= 0),
    -- per-sku override of node.safety_stock; null means the node's value
    safety_stock integer check (safety_stock is null or safety_stock >= 0),
    -- set when a node could not find the item: the count is suspect until the next count arrives
    needs_count  boolean not null default false,
    updated_at   timestamptz not null default now(),
    primary key (node_id, sku)
);
create index stock_sku_idx on stock (sku);

create table orders (
    id               text primary key,
    channel          text not null,
    channel_order_id text not null,
    -- RECEIVED, ROUTED, UNFULFILLABLE, REJECTED, CANCELLED, SHIPPED
    status           text not null,
    fulfillment_type text not null,
    placed_at        timestamptz,
    received_at      timestamptz not null default now(),
    updated_at       timestamptz not null default now(),
    -- the canonical order as accepted
    payload          jsonb not null,
    -- the routing decision with every candidate considered (null until routed)
    decision         jsonb,
    unique (channel, channel_order_id)
);
create index orders_status_idx on orders (status);
create index orders_received_idx on orders (received_at desc);

create table order_line (
    order_id   text not null references orders (id),
    line_no    integer not null,
    sku        text not null,
    quantity   integer not null check (quantity > 0),
    unit_price numeric(12, 2),
    primary key (order_id, line_no)
);

-- timeline of an order for operators: received, routed, request sent, shipped, channel told
create table order_event (
    id       bigserial primary key,
    order_id text not null references orders (id),
    at       timestamptz not null default now(),
    kind     text not null,
    detail   text
);
create index order_event_order_idx on order_event (order_id, at);

create table hold (
    id         text primary key,
    channel    text not null,
    -- ACTIVE, RELEASED, EXPIRED, CONVERTED
    status     text not null,
    expires_at timestamptz not null,
    order_id   text,
    created_at timestamptz not null default now()
);

create table reservation (
    id         bigserial primary key,
    order_id   text references orders (id),
    hold_id    text references hold (id),
    line_no    integer,
    node_id    text not null references node (id),
    sku        text not null,
    quantity   integer not null check (quantity > 0),
    -- ACTIVE, RELEASED, SHIPPED
    status     text not null,
    expires_at timestamptz,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    check (order_id is not null or hold_id is not null)
);
create index reservation_order_idx on reservation (order_id);
create index reservation_hold_idx on reservation (hold_id);
create index reservation_active_expiry_idx on reservation (expires_at) where status = 'ACTIVE' and expires_at is not null;

-- every change to stock, append only
create table ledger_entry (
    id             bigserial primary key,
    at             timestamptz not null default now(),
    node_id        text not null,
    sku            text not null,
    -- RESERVE, RELEASE, SHIP, SALE, RECEIPT, ADJUSTMENT, SNAPSHOT, RETURN, DAMAGED, NOT_FOUND
    kind           text not null,
    on_hand_delta  integer not null default 0,
    reserved_delta integer not null default 0,
    on_hand_after  integer,
    reserved_after integer,
    reference      text,
    reason         text
);
create index ledger_entry_sku_idx on ledger_entry (sku, id);

-- transactional outbox: written in the same transaction as the change it announces.
-- kind KAFKA: publish payload to topic with msg_key; kind STOCK_CHANGED: recompute available-to-sell for msg_key (a sku)
create table outbox (
    id           bigserial primary key,
    created_at   timestamptz not null default now(),
    kind         text not null,
    topic        text,
    msg_key      text not null,
    payload      jsonb,
    processed_at timestamptz
);
create index outbox_pending_idx on outbox (kind, id) where processed_at is null;

-- what a consumer has already done, so a redelivered message has no second effect
create table idempotency_key (
    scope      text not null,
    key        text not null,
    created_at timestamptz not null default now(),
    result     text,
    primary key (scope, key)
);

-- outbound deliveries to channels (stock figures, order status callbacks)
create table delivery (
    id              bigserial primary key,
    channel         text not null,
    -- ATS, ORDER_STATUS
    kind            text not null,
    -- ATS: the sku, so a newer figure supersedes an undelivered older one; ORDER_STATUS: order id + status
    dedupe_key      text not null,
    payload         jsonb not null,
    -- PENDING, DELIVERED, DEAD, SUPERSEDED
    status          text not null,
    attempts        integer not null default 0,
    next_attempt_at timestamptz not null default now(),
    last_error      text,
    created_at      timestamptz not null default now(),
    delivered_at    timestamptz
);
create index delivery_due_idx on delivery (next_attempt_at) where status = 'PENDING';
create index delivery_channel_key_idx on delivery (channel, kind, dedupe_key, status);

-- messages that could not be processed, with the reason, kept for operators to inspect and replay
create table dead_letter (
    id          bigserial primary key,
    created_at  timestamptz not null default now(),
    source      text not null,
    route_id    text,
    category    text not null,
    error       text not null,
    payload     text,
    headers     jsonb,
    replayed_at timestamptz
);
create index dead_letter_created_idx on dead_letter (created_at desc);
