package io.omnihub.orders;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.omnihub.canonical.CanonicalOrder;
import io.omnihub.canonical.CanonicalTopics;
import io.omnihub.canonical.ErrorCategory;
import io.omnihub.canonical.FulfillmentType;
import io.omnihub.canonical.OrderLine;
import io.omnihub.canonical.RejectedMessageException;
import io.omnihub.canonical.SchemaValidator;
import io.omnihub.outbox.KafkaOutboxRelay;
import io.omnihub.outbox.Outbox;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.jdbc.core.namedparam.SqlParameterSource;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

import java.sql.Timestamp;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Accepts a mapped order from any channel: assigns the hub order id, validates it against the canonical
 * schema and the hub's reference data, stores it and its outbox message in one transaction, and has the outbox
 * relay publish it to {@code omnihub.orders.v1} without waiting for Kafka. Once this returns, the order is durable and will reach Kafka; a second
 * delivery of the same channel order returns the first one's id and changes nothing.
 */
@Component("orderIntake")
public class OrderIntake {

    private final ObjectMapper mapper;
    private final SchemaValidator schemas;
    private final NamedParameterJdbcTemplate jdbc;
    private final TransactionTemplate tx;
    private final Outbox outbox;
    private final KafkaOutboxRelay relay;

    public OrderIntake(ObjectMapper mapper, SchemaValidator schemas, NamedParameterJdbcTemplate jdbc,
                       TransactionTemplate tx, Outbox outbox, KafkaOutboxRelay relay) {
        this.mapper = mapper;
        this.schemas = schemas;
        this.jdbc = jdbc;
        this.tx = tx;
        this.outbox = outbox;
        this.relay = relay;
    }

    /** Accepts the canonical order JSON a mapping produced for {@code channel}. */
    public IntakeResult accept(String channel, String canonicalJson) {
        CanonicalOrder order = validated(channel, canonicalJson);
        String json = write(order);
        Long outboxId = tx.execute(status -> store(order, json));
        if (outboxId == null) {
            String existing = jdbc.queryForObject("select id from orders where channel = :channel and channel_order_id = :cid",
                    new MapSqlParameterSource("channel", channel).addValue("cid", order.channelOrderId()), String.class);
            return new IntakeResult(existing, true);
        }
        // the order is durable now; the relay publishes it at once, or when Kafka is back
        relay.publish(outboxId);
        return new IntakeResult(order.orderId(), false);
    }

    /** Parses, assigns the id, and checks the order against the schema and the hub's items and nodes. */
    public CanonicalOrder validated(String channel, String canonicalJson) {
        JsonNode tree;
        try {
            tree = mapper.readTree(canonicalJson);
        } catch (JsonProcessingException e) {
            throw new RejectedMessageException(ErrorCategory.INVALID, "malformed JSON: " + e.getOriginalMessage());
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
        List<String> known = jdbc.queryForList("select sku from item where sku in (:skus)",
                new MapSqlParameterSource("skus", skus), String.class);
        skus.removeAll(known);
        if (!skus.isEmpty()) {
            throw new RejectedMessageException(ErrorCategory.UNKNOWN_REFERENCE, "lines: unknown sku " + String.join(", ", skus));
        }
        if (order.fulfillmentType() == FulfillmentType.PICKUP_IN_STORE || order.fulfillmentType() == FulfillmentType.CURBSIDE) {
            Integer stores = jdbc.queryForObject("select count(*) from node where id = :id and type = 'STORE'",
                    new MapSqlParameterSource("id", order.pickupStore()), Integer.class);
            if (stores == null || stores == 0) {
                throw new RejectedMessageException(ErrorCategory.UNKNOWN_REFERENCE, "pickupStore: unknown store " + order.pickupStore());
            }
        }
        if (!channelExists(order.channel())) {
            throw new RejectedMessageException(ErrorCategory.UNKNOWN_REFERENCE, "channel: unknown channel " + order.channel());
        }
    }

    private boolean channelExists(String channel) {
        Integer n = jdbc.queryForObject("select count(*) from channel where id = :id", new MapSqlParameterSource("id", channel), Integer.class);
        return n != null && n > 0;
    }

    /** Stores the order with its lines, timeline entry and outbox row; null when the channel order is already stored. */
    private Long store(CanonicalOrder order, String json) {
        int inserted = jdbc.update("""
                insert into orders (id, channel, channel_order_id, status, fulfillment_type, placed_at, payload)
                values (:id, :channel, :cid, 'RECEIVED', :type, :placedAt, cast(:payload as jsonb))
                on conflict (channel, channel_order_id) do nothing""",
                new MapSqlParameterSource()
                        .addValue("id", order.orderId())
                        .addValue("channel", order.channel())
                        .addValue("cid", order.channelOrderId())
                        .addValue("type", order.fulfillmentType().name())
                        .addValue("placedAt", order.placedAt() == null ? null : Timestamp.from(order.placedAt()))
                        .addValue("payload", json));
        if (inserted == 0) {
            return null;
        }
        SqlParameterSource[] lines = order.lines().stream()
                .map(l -> new MapSqlParameterSource()
                        .addValue("orderId", order.orderId())
                        .addValue("lineNo", l.lineNo())
                        .addValue("sku", l.sku())
                        .addValue("quantity", l.quantity())
                        .addValue("unitPrice", l.unitPrice()))
                .toArray(SqlParameterSource[]::new);
        jdbc.batchUpdate("insert into order_line (order_id, line_no, sku, quantity, unit_price) "
                + "values (:orderId, :lineNo, :sku, :quantity, :unitPrice)", lines);
        jdbc.update("insert into order_event (order_id, kind, detail) values (:id, 'RECEIVED', :detail)",
                new MapSqlParameterSource("id", order.orderId())
                        .addValue("detail", "from " + order.channel() + " as " + order.channelOrderId()));
        return outbox.kafka(CanonicalTopics.ORDERS, order.orderId(), json);
    }

    private String write(CanonicalOrder order) {
        try {
            return mapper.writeValueAsString(order);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
