-- Routing throughput (issue 16): counters routing reads instead of counting rows, and the order decisions were taken in.

-- a node's load as the router's score weighs it: its ACTIVE reservation rows that belong to an order (a hold's do not
-- count until the hold becomes an order). Kept in the transaction of every change of such a row (routing, hold
-- adoption, shipping, cancellation, rejection), so routing reads one row per node instead of counting reservations,
-- which grew slower with every open order.
create table node_load (
    node_id           text primary key references node (id),
    open_reservations integer not null default 0 check (open_reservations >= 0)
);
insert into node_load (node_id, open_reservations)
select n.id, (select count(*) from reservation r where r.node_id = n.id and r.status = 'ACTIVE' and r.order_id is not null)
from node n;

-- the order in which live routing took its decisions (ROUTED or UNFULFILLABLE), also inside a batch of orders
-- routed together: what a replay of the decisions (the what-if simulation) follows. The number comes from the ledger
-- entries' own sequence (ledger_entry_id_seq), taken while the decision's stock rows are locked, so one sequence
-- orders the decisions and the stock changes between them for every sku.
alter table order_routing add column decision_seq bigint;
create index order_routing_decision_seq_idx on order_routing (decision_seq) where decision_seq is not null;
