package io.omnihub.fulfillment;

import io.omnihub.canonical.CanonicalOrder;
import io.omnihub.canonical.FulfillmentRequest;
import io.omnihub.orders.OrderRef;
import io.omnihub.orders.OrderStore;
import io.omnihub.outbox.Outbox;
import io.omnihub.reference.ReferenceData;
import io.omnihub.routing.RoutingDecision;
import io.omnihub.routing.RoutingDecision.Shipment;
import org.springframework.stereotype.Component;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The request stage of routing: one {@link FulfillmentRequest} per shipment of a routed order, written to the outbox for
 * topic {@code omnihub.fulfillment-requests.v1} (keyed by node; route {@code fulfillment-requests} sends it through
 * the node's sink) with a FULFILLMENT_REQUESTED timeline row. The request id names the order, the node and the
 * routing decision's number, so a request of a later decision (after a rejection) is a new request.
 */
@Component
public class FulfillmentRequestWriter {

    /** A request ready to be written: its outbox payload and its timeline detail. */
    public record Request(String orderId, String nodeId, String json, String eventDetail) {
    }

    private final OrderStore orders;
    private final Outbox outbox;
    private final FulfillmentProperties props;
    private final ReferenceData references;

    public FulfillmentRequestWriter(OrderStore orders, Outbox outbox, FulfillmentProperties props, ReferenceData references) {
        this.orders = orders;
        this.outbox = outbox;
        this.props = props;
        this.references = references;
    }

    /** The topic requests go to. */
    public String topic() {
        return props.requestsTopic();
    }

    /** The requests of {@code decision}, the order's {@code decisionNo}-th decision, with each node's sink. */
    public List<Request> requests(CanonicalOrder order, OrderRef ref, RoutingDecision decision, int decisionNo) {
        return requests(order, ref, decision, decisionNo,
                references.sinkNames(decision.shipments().stream().map(Shipment::nodeId).toList()));
    }

    /** The requests of {@code decision}, the order's {@code decisionNo}-th decision; {@code sinks} by node id. */
    public List<Request> requests(CanonicalOrder order, OrderRef ref, RoutingDecision decision, int decisionNo,
                                  Map<String, String> sinks) {
        List<Request> out = new ArrayList<>();
        for (Shipment s : decision.shipments()) {
            FulfillmentRequest request = new FulfillmentRequest(ref.orderId() + "-" + s.nodeId() + "-" + decisionNo,
                    ref.orderId(), ref.channel(), ref.channelOrderId(), s.nodeId(), sinks.getOrDefault(s.nodeId(), "NONE"),
                    order.fulfillmentType(), order.pickupStore(), order.customer(), order.shipTo(),
                    s.allocations().stream().map(al -> new FulfillmentRequest.Line(al.lineNo(), al.sku(), al.quantity())).toList(),
                    Instant.now());
            out.add(new Request(ref.orderId(), s.nodeId(), orders.json(request), s.nodeId() + " (" + request.sink() + "): "
                    + s.allocations().stream().map(al -> al.quantity() + " x " + al.sku()).collect(Collectors.joining(", "))));
        }
        return out;
    }

    /** Writes requests one by one (one order's); returns their outbox ids, to publish after commit. */
    public List<Long> write(List<Request> requests) {
        List<Long> ids = new ArrayList<>();
        for (Request r : requests) {
            ids.add(outbox.kafka(props.requestsTopic(), r.nodeId(), r.json()));
            orders.event(r.orderId(), "FULFILLMENT_REQUESTED", r.eventDetail());
        }
        return ids;
    }
}
