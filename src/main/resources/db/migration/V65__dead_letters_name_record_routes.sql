-- A dead letter left by a record of a batch consumer names the per-record route, through which a replay goes
-- (KafkaOffsets.forRecordRoute). Those kept before named the batch route, whose replay took the kept record for an
-- empty poll and answered REPLAYED having done nothing: they are pointed at the per-record route that takes one record.
update dead_letter set route_id = 'stock-event-one' where route_id = 'stock-events' and replayed_at is null;
update dead_letter set route_id = 'order-routing-one' where route_id = 'order-routing' and replayed_at is null;
update dead_letter set route_id = 'order-status-callback-one' where route_id = 'order-status-callbacks' and replayed_at is null;
update dead_letter set route_id = 'fulfillment-request-one' where route_id = 'fulfillment-requests' and replayed_at is null;
