-- Marketplace order polling (connector marketplace-order-poll-source).

-- one row per polled marketplace: how far the hub has read, and which instance may poll it now
create table marketplace_cursor (
    marketplace   text primary key,
    -- the value sent as "since" on the next poll (the largest cursor field seen); null: from the beginning
    cursor        text,
    -- the instance holding the poll lease, and until when; another instance polls only after it lapses
    lease_owner   text,
    lease_until   timestamptz,
    -- set from a 429's Retry-After: no request before this time
    not_before    timestamptz,
    updated_at    timestamptz not null default now()
);

-- every order fetched, stored in the same transaction as the cursor moves past it, then handed to the flow;
-- the primary key makes a re-fetched order a no-op
create table marketplace_inbox (
    marketplace          text not null,
    marketplace_order_id text not null,
    payload              text not null,
    -- PENDING (fetched), ACCEPTED (flow took it, acknowledgement owed), ACKED, REJECTED (dead letter)
    status               text not null default 'PENDING',
    hub_order_id         text,
    attempts             integer not null default 0,
    last_error           text,
    received_at          timestamptz not null default now(),
    updated_at           timestamptz not null default now(),
    primary key (marketplace, marketplace_order_id)
);
create index marketplace_inbox_open_idx on marketplace_inbox (marketplace, received_at) where status in ('PENDING', 'ACCEPTED');
