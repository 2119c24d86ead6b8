package io.omnihub.orders;

import io.omnihub.canonical.OrderIds;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.omnihub.canonical.CanonicalOrder;
import io.omnihub.canonical.ErrorCategory;
import io.omnihub.canonical.FulfillmentType;
import io.omnihub.canonical.HubHeaders;
import io.omnihub.canonical.OrderLine;
import io.omnihub.canonical.RejectedMessageException;
import io.omnihub.canonical.SchemaValidator;
import io.omnihub.reference.ReferenceData;
import org.apache.camel.AsyncCallback;
import org.apache.camel.AsyncProcessor;
import org.apache.camel.Exchange;
import org.apache.camel.support.AsyncCallbackToCompletableFutureAdapter;
import org.apache.camel.support.AsyncProcessorHelper;
import org.springframework.stereotype.Component;

import java.util.HashSet;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * Accepts a mapped order from any channel: assigns the hub order id, validates it against the canonical schema and
 * the hub's reference data (from {@link ReferenceData}), and hands it to the {@link OrderGroupCommit}, which stores
 * it with its lines, timeline entry and outbox message in a transaction shared with the orders of concurrent
 * requests; the outbox relay then publishes it to {@code omnihub.orders.v1}. Once the answer comes, the order is
 * durable and will reach Kafka; a second delivery of the same channel order returns the first one's id and changes
 * nothing.
 * <p>
 * As a Camel {@link AsyncProcessor} (a route's {@code process: ref: orderIntake} step) it takes the mapped order
 * (maps and lists from a compiled mapping, or JSON text) and completes the exchange when
 * the commit holding its order completes, with the HTTP answer (202 or 200 and the order id) as the message; no
 * thread of its own waits for the commit.
 */
@Component("orderIntake")
public class OrderIntake implements AsyncProcessor {

    private final ObjectMapper mapper;
    private final SchemaValidator schemas;
    private final ReferenceData references;
    private final OrderGroupCommit writer;

    public OrderIntake(ObjectMapper mapper, SchemaValidator schemas, ReferenceData references, OrderGroupCommit writer) {
        this.mapper = mapper;
        this.schemas = schemas;
        this.references = references;
        this.writer = writer;
    }

    /**
     * Accepts the canonical order a mapping produced for {@code channel} (JSON text, or the maps and lists of a
     * compiled mapping); returns once it is committed.
     */
    public IntakeResult accept(String channel, Object mapped) {
        CanonicalOrder order = validated(channel, mapped);
        try {
            return writer.submit(order, write(order)).join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw e;
        }
    }

    @Override
    public void process(Exchange exchange) throws Exception {
        AsyncProcessorHelper.process(this, exchange);
    }

    @Override
    public boolean process(Exchange exchange, AsyncCallback callback) {
        CompletableFuture<IntakeResult> answer;
        try {
            String channel = exchange.getMessage().getHeader(HubHeaders.CHANNEL, String.class);
            CanonicalOrder order = validated(channel, exchange.getMessage().getBody());
            answer = writer.submit(order, write(order));
        } catch (RuntimeException e) {
            exchange.setException(e);
            callback.done(true);
            return true;
        }
        answer.whenComplete((result, failure) -> {
            if (failure != null) {
                exchange.setException(failure instanceof CompletionException c && c.getCause() != null ? c.getCause() : failure);
            } else {
                // written as the response by the webhook connector (an HttpAnswer)
                exchange.getMessage().setBody(result);
            }
            callback.done(false);
        });
        return false;
    }

    @Override
    public CompletableFuture<Exchange> processAsync(Exchange exchange) {
        AsyncCallbackToCompletableFutureAdapter<Exchange> callback = new AsyncCallbackToCompletableFutureAdapter<>(exchange);
        process(exchange, callback);
        return callback.getFuture();
    }

    /** Parses (when text), assigns the id, and checks the order against the schema and the hub's items, stores and channels. */
    public CanonicalOrder validated(String channel, Object mapped) {
        JsonNode tree;
        if (mapped instanceof String json) {
            try {
                tree = mapper.readTree(json);
            } catch (JsonProcessingException e) {
                throw new RejectedMessageException(ErrorCategory.INVALID, "malformed JSON: " + e.getOriginalMessage());
            }
        } else {
            tree = mapped == null ? null : mapper.valueToTree(mapped);
        }
        if (tree == null || !tree.isObject()) {
            throw new RejectedMessageException(ErrorCategory.INVALID, "an order must be a JSON object");
        }
        ObjectNode node = (ObjectNode) tree;
        node.put("channel", channel);
        String channelOrderId = node.path("channelOrderId").isTextual() ? node.get("channelOrderId").asText() : null;
        node.put("orderId", channelOrderId == null ? "unassigned" : OrderIds.of(channel, channelOrderId));
        schemas.requireValid(SchemaValidator.ORDER, node);
        CanonicalOrder order;
        try {
            order = mapper.treeToValue(node, CanonicalOrder.class);
        } catch (JsonProcessingException e) {
            throw new RejectedMessageException(ErrorCategory.INVALID, "order does not fit the canonical model: " + e.getOriginalMessage());
        }
        checkReferences(order);
        return order;
    }

    private void checkReferences(CanonicalOrder order) {
        Set<Integer> lineNos = new HashSet<>();
        Set<String> skus = new TreeSet<>();
        for (OrderLine line : order.lines()) {
            if (!lineNos.add(line.lineNo())) {
                throw new RejectedMessageException(ErrorCategory.INVALID, "lines: line number " + line.lineNo() + " appears twice");
            }
            skus.add(line.sku());
        }
        references.requireSkus("lines", skus);
        if (order.fulfillmentType() == FulfillmentType.PICKUP_IN_STORE || order.fulfillmentType() == FulfillmentType.CURBSIDE) {
            references.requireStore("pickupStore", order.pickupStore());
        }
        references.requireChannel("channel", order.channel());
    }

    private String write(CanonicalOrder order) {
        try {
            return mapper.writeValueAsString(order);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
