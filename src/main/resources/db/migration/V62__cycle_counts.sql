-- Cycle counts (io.omnihub.cyclecount): a node asked to count a sku because the hub's own signals say its figure is
-- suspect, and what the count found against the ledger.

-- Why the ledger flagged a count (stock.needs_count): written by the ledger with the flag, cleared by the count.
alter table stock add column count_trigger text;
alter table stock add column count_reason text;
create index stock_needs_count_idx on stock (node_id, sku) where needs_count;

create table cycle_count (
    id               bigserial primary key,
    node_id          text not null,
    sku              text not null,
    -- REJECTION (the node could not find or sell it), SHORTFALL (a decrement floored at zero), RECURRING_DRIFT
    -- (a channel kept drifting on the sku), SCHEDULE, OPERATOR
    trigger          text not null,
    reason           text,
    status           text not null check (status in ('REQUESTED', 'SENDING', 'SENT', 'FAILED', 'COUNTED')),
    requested_at     timestamptz not null default now(),
    -- the ledger's newest entry for the node and sku when the count was asked for: the count is the first
    -- SNAPSHOT after it
    after_entry_id   bigint not null default 0,
    on_hand_at_request integer,
    claimed_at       timestamptz,
    sent_at          timestamptz,
    sent_to          text,
    dead_letter_id   bigint,
    -- what the count found: the ledger's figure just before it, the count, their difference (the SNAPSHOT entry's
    -- on-hand change, ledger_entry_id) and whether that is within the configured tolerance
    ledger_entry_id  bigint,
    expected         integer,
    counted          integer,
    variance         integer,
    within_tolerance boolean,
    counted_at       timestamptz
);
-- one open count per node and sku: a new signal while one is open adds nothing
create unique index cycle_count_open_idx on cycle_count (node_id, sku) where status in ('REQUESTED', 'SENDING', 'SENT', 'FAILED');
create index cycle_count_node_idx on cycle_count (node_id, id desc);
create index cycle_count_counted_idx on cycle_count (counted_at) where status = 'COUNTED';

-- one running reconciliation run per channel, whichever instance runs it (a queued run waits for it); the runs a stopped
-- hub left running are failed first
update reconciliation_run set status = 'FAILED', error = 'abandoned: another run of the channel was running', finished_at = now()
where status = 'RUNNING'
  and id not in (select max(id) from reconciliation_run where status = 'RUNNING' group by channel);
create unique index reconciliation_run_running_idx on reconciliation_run (channel) where status = 'RUNNING';
