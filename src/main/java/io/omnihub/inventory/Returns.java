package io.omnihub.inventory;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.omnihub.canonical.CanonicalTopics;
import io.omnihub.canonical.ErrorCategory;
import io.omnihub.canonical.OrderStatus;
import io.omnihub.canonical.RejectedMessageException;
import io.omnihub.canonical.ReturnEvent;
import io.omnihub.canonical.SchemaValidator;
import io.omnihub.outbox.Outbox;
import io.omnihub.reference.ReferenceData;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

import java.time.Instant;
import java.util.List;

/**
 * Applies a {@link ReturnEvent} (an RMA received at a node): SELLABLE lines go back on hand at the receiving node at
 * once (ledger kind RETURN, so every channel sees them), DAMAGED lines are recorded (ledger kind DAMAGED) but not
 * made available, and a REFUND_READY {@link OrderStatus} for the selling channel is written to the outbox
 * ({@code omnihub.order-status.v1}) in the same transaction. Idempotent by rmaId.
 */
@Component("returns")
public class Returns {

    /** Idempotency scope of returns (key: rmaId). */
    public static final String SCOPE = "return";

    private final ObjectMapper mapper;
    private final SchemaValidator schemas;
    private final NamedParameterJdbcTemplate jdbc;
    private final TransactionTemplate tx;
    private final StockLedger ledger;
    private final Outbox outbox;
    private final ReferenceData references;

    public Returns(ObjectMapper mapper, SchemaValidator schemas, NamedParameterJdbcTemplate jdbc, TransactionTemplate tx,
                   StockLedger ledger, Outbox outbox, ReferenceData references) {
        this.references = references;
        this.mapper = mapper;
        this.schemas = schemas;
        this.jdbc = jdbc;
        this.tx = tx;
        this.ledger = ledger;
        this.outbox = outbox;
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
        List<String[]> order = jdbc.query("select channel, channel_order_id from orders where id = :id",
                new MapSqlParameterSource("id", rma.orderId()), (rs, i) -> new String[] {rs.getString(1), rs.getString(2)});
        String channel = rma.channel() != null ? rma.channel() : order.isEmpty() ? null : order.get(0)[0];
        if (channel == null) {
            return;
        }
        String channelOrderId = order.isEmpty() ? null : order.get(0)[1];
        OrderStatus status = new OrderStatus(rma.orderId(), channel, channelOrderId, OrderStatus.Status.REFUND_READY,
                Instant.now(), rma.nodeId(), null, null, "return " + rma.rmaId() + " received");
        try {
            outbox.kafka(CanonicalTopics.ORDER_STATUS, rma.orderId(), mapper.writeValueAsString(status));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private ReturnEvent parse(String json) {
        return schemas.read(json, SchemaValidator.RETURN_EVENT, ReturnEvent.class, "a return event");
    }
}
