-- Reconciliation (io.omnihub.reconciliation): a run reads a channel's current figures back through its read-back
-- route, compares them with what the hub says the channel should show, and records one drift row per difference.

create table reconciliation_run (
    id            bigserial primary key,
    channel       text not null,
    -- the skus asked for (null: the channel's whole catalogue)
    skus          text[],
    report_only   boolean not null,
    -- why it ran: API (an operator asked) or SCHEDULE
    trigger       text not null,
    status        text not null check (status in ('QUEUED', 'RUNNING', 'COMPLETED', 'FAILED')),
    pages         integer not null default 0,
    skus_read     integer not null default 0,
    -- figures that differed but had a newer figure on its way to the channel (not a drift: the delivery settles it)
    in_flight     integer not null default 0,
    -- skus the channel lists that the hub does not sell there
    unknown_skus  integer not null default 0,
    drifts        integer not null default 0,
    rate_limited  integer not null default 0,
    error         text,
    started_at    timestamptz not null default now(),
    -- written with every page: a RUNNING run whose heartbeat stopped long ago was left by a stopped hub
    heartbeat_at  timestamptz not null default now(),
    finished_at   timestamptz
);
create index reconciliation_run_channel_idx on reconciliation_run (channel, id desc);

create table reconciliation_drift (
    id               bigserial primary key,
    run_id           bigint not null references reconciliation_run (id) on delete cascade,
    channel          text not null,
    sku              text not null,
    -- null: the channel does not list the sku at all
    channel_figure   integer,
    hub_figure       integer not null,
    last_delivered   integer,
    last_delivered_at timestamptz,
    cause            text not null,
    found_at         timestamptz not null default now(),
    -- the corrective delivery (null when the run or channel is report-only)
    delivery_id      bigint,
    repaired_at      timestamptz
);
create index reconciliation_drift_run_idx on reconciliation_drift (run_id, id);
-- the repairs still waiting for their delivery (settled every few seconds)
create index reconciliation_drift_open_idx on reconciliation_drift (id) where delivery_id is not null and repaired_at is null;
