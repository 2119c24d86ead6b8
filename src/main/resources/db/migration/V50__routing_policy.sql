-- Routing policy as versioned data (issue 10): every version of the policy document with its author and comment,
-- the activation history (the active version is the latest activation; rollback is activating an earlier one),
-- scheduled windows, the pilot, simulations and their reports, and node pauses.

create table routing_policy (
    version      integer primary key,
    -- the policy document (YAML), as posted; immutable
    document     text not null,
    author       text not null,
    comment      text,
    created_at   timestamptz not null default now(),
    -- when this version was last activated (null: never)
    activated_at timestamptz,
    -- while now() is in [window_start, window_end) this version is in force; afterwards the activated one again
    window_start timestamptz,
    window_end   timestamptz,
    check (window_start is null or window_end > window_start)
);
create index routing_policy_window_idx on routing_policy (window_start, window_end) where window_start is not null;

-- every activation, newest last: the active version is the one of the highest id
create table routing_policy_activation (
    id           bigserial primary key,
    version      integer not null references routing_policy (version),
    activated_by text not null,
    activated_at timestamptz not null default now()
);

-- at most one pilot: a candidate version deciding a share of live orders
create table routing_policy_pilot (
    id         integer primary key check (id = 1),
    version    integer not null references routing_policy (version),
    -- share of orders by hash of the order id, 0..100; null means every order matching channel/region
    percent    numeric(5, 2) check (percent is null or (percent >= 0 and percent <= 100)),
    channel    text,
    region     text,
    started_by text not null,
    started_at timestamptz not null default now()
);

-- what-if simulations and their kept reports
create table routing_simulation (
    id          text primary key,
    -- RUNNING, DONE, CANCELLED, FAILED
    status      text not null,
    request     jsonb not null,
    author      text not null,
    done        integer not null default 0,
    total       integer not null default 0,
    report      jsonb,
    error       text,
    created_at  timestamptz not null default now(),
    finished_at timestamptz
);

-- a node paused for new orders until a time (rejection reason NO_CAPACITY)
create table node_pause (
    node_id    text primary key references node (id),
    until      timestamptz not null,
    reason     text,
    created_at timestamptz not null default now()
);

-- node rejections with their configured reason code, for the node audit
create table node_rejection (
    id       bigserial primary key,
    at       timestamptz not null default now(),
    node_id  text not null,
    order_id text not null,
    line_no  integer,
    reason   text not null,
    detail   text
);
create index node_rejection_node_at_idx on node_rejection (node_id, at);
