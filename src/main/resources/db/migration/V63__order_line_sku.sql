-- the routing retry starts from the skus that gained stock and looks up the order lines of those skus (PendingOrders)
create index order_line_sku_idx on order_line (sku);
