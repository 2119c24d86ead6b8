package io.omnihub.inventory;

import io.omnihub.canonical.OrderStatus;
import io.omnihub.canonical.ReturnEvent;
import io.omnihub.canonical.SchemaValidator;
import io.omnihub.orders.OrderRef;
import io.omnihub.orders.OrderStore;
import io.omnihub.reference.ReferenceData;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Applies a {@link ReturnEvent} (an RMA received at a node): SELLABLE lines go back on hand at the receiving node at
 * once (ledger kind RETURN, so every channel sees them), DAMAGED lines are recorded (ledger kind DAMAGED) but not
 * made available, and a REFUND_READY {@link OrderStatus} for the selling channel is written to the outbox
 * ({@code omnihub.order-status.v1}, through the {@link OrderStore}) in the same transaction. Idempotent by rmaId.
 */
@Component("returns")
public class Returns {

    /** Idempotency scope of returns (key: rmaId). */
    public static final String SCOPE = "return";

    private final SchemaValidator schemas;
    private final NamedParameterJdbcTemplate jdbc;
    private final TransactionTemplate tx;
    private final StockLedger ledger;
    private final OrderStore orders;
    private final ReferenceData references;

    public Returns(SchemaValidator schemas, NamedParameterJdbcTemplate jdbc, TransactionTemplate tx,
                   StockLedger ledger, OrderStore orders, ReferenceData references) {
        this.references = references;
        this.schemas = schemas;
        this.jdbc = jdbc;
        this.tx = tx;
        this.ledger = ledger;
        this.orders = orders;
    }

    /** Validates and applies one ReturnEvent given as JSON; returns APPLIED or DUPLICATE. */
    public StockEvents.Outcome apply(String json) {
        ReturnEvent rma = parse(json);
        for (ReturnEvent.Line line : rma.lines()) {
            references.requireNodeAndSku(rma.nodeId(), line.sku());
        }
        return tx.execute(status -> {
            if (!IdempotencyKeys.claim(jdbc, SCOPE, rma.rmaId(), "APPLIED")) {
                return StockEvents.Outcome.DUPLICATE;
            }
            String reference = "rma:" + rma.rmaId();
            for (ReturnEvent.Line line : rma.lines()) {
                if (line.condition() == ReturnEvent.Condition.SELLABLE) {
                    ledger.adjustOnHand(rma.nodeId(), line.sku(), line.quantity(), StockLedger.Kind.RETURN, reference,
                            "returned sellable");
                } else {
                    // recorded for the books, not put back on the shelf
                    ledger.adjustOnHand(rma.nodeId(), line.sku(), 0, StockLedger.Kind.DAMAGED, reference,
                            "returned damaged: " + line.quantity() + " unit(s) not restocked");
                }
            }
            refundReady(rma);
            return StockEvents.Outcome.APPLIED;
        });
    }

    private void refundReady(ReturnEvent rma) {
        if (rma.orderId() == null) {
            return;
        }
        OrderRef order = orders.ref(rma.orderId());
        String channel = rma.channel() != null ? rma.channel() : order == null ? null : order.channel();
        if (channel == null) {
            return;
        }
        String channelOrderId = order == null ? null : order.channelOrderId();
        orders.announce(new OrderRef(rma.orderId(), channel, channelOrderId), OrderStatus.Status.REFUND_READY, rma.nodeId(),
                null, null, "return " + rma.rmaId() + " received");
    }

    private ReturnEvent parse(String json) {
        return schemas.read(json, SchemaValidator.RETURN_EVENT, ReturnEvent.class, "a return event");
    }
}
