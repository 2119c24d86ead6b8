package io.omnihub.connectors;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.omnihub.canonical.CanonicalTopics;
import io.omnihub.canonical.ErrorCategory;
import io.omnihub.canonical.RejectedMessageException;
import io.omnihub.canonical.SchemaValidator;
import io.omnihub.outbox.KafkaOutboxRelay;
import io.omnihub.outbox.Outbox;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Publishes canonical messages produced by a mapping: validates each against its JSON Schema and the hub's
 * reference data (nodes, skus, orders), writes it to the transactional outbox once per message id (a
 * redelivered message has no second effect), commits, then hands it to the {@link KafkaOutboxRelay}. A route
 * calls it as {@code canonicalPublisher.stockEvents(${body})} and so on; a mapping may produce one message or a
 * JSON array of them, which are published together or not at all.
 */
@Component("canonicalPublisher")
public class CanonicalPublisher {

    private static final Logger log = LoggerFactory.getLogger(CanonicalPublisher.class);

    private final ObjectMapper mapper;
    private final SchemaValidator schemas;
    private final NamedParameterJdbcTemplate jdbc;
    private final TransactionTemplate tx;
    private final Outbox outbox;
    private final KafkaOutboxRelay relay;

    public CanonicalPublisher(ObjectMapper mapper, SchemaValidator schemas, NamedParameterJdbcTemplate jdbc,
                              TransactionTemplate tx, Outbox outbox, KafkaOutboxRelay relay) {
        this.mapper = mapper;
        this.schemas = schemas;
        this.jdbc = jdbc;
        this.tx = tx;
        this.outbox = outbox;
        this.relay = relay;
    }

    /** StockEvents (one or an array) to {@code omnihub.stock-events.v1}, keyed by sku; node and sku must exist. */
    public Published stockEvents(String json) {
        List<ObjectNode> events = documents(json);
        for (ObjectNode e : events) {
            schemas.requireValid(SchemaValidator.STOCK_EVENT, e);
        }
        requireNodes(events.stream().map(e -> e.get("nodeId").asText()).toList());
        requireSkus(events.stream().map(e -> e.get("sku").asText()).toList());
        return publish(CanonicalTopics.STOCK_EVENTS, events, "eventId", "sku");
    }

    /**
     * A ReturnEvent to {@code omnihub.returns.v1}, keyed by order id. When {@code orderId} is the channel's own
     * order id it is replaced by the hub's; node and skus must exist.
     */
    public Published returnEvent(String json) {
        List<ObjectNode> returns = documents(json);
        for (ObjectNode r : returns) {
            schemas.requireValid(SchemaValidator.RETURN_EVENT, r);
            requireNodes(List.of(r.get("nodeId").asText()));
            List<String> skus = new ArrayList<>();
            r.get("lines").forEach(l -> skus.add(l.get("sku").asText()));
            requireSkus(skus);
            if (r.hasNonNull("orderId")) {
                r.put("orderId", hubOrderId(r.path("channel").asText(null), r.get("orderId").asText()));
            }
        }
        return publish(CanonicalTopics.RETURNS, returns, "rmaId", "orderId");
    }

    /** A Shipment (one or an array) to {@code omnihub.shipments.v1}, keyed by order id; order and node must exist. */
    public Published shipments(String json) {
        List<ObjectNode> shipments = documents(json);
        for (ObjectNode s : shipments) {
            schemas.requireValid(SchemaValidator.SHIPMENT, s);
            requireNodes(List.of(s.get("nodeId").asText()));
            Integer n = jdbc.queryForObject("select count(*) from orders where id = :id",
                    new MapSqlParameterSource("id", s.get("orderId").asText()), Integer.class);
            if (n == null || n == 0) {
                throw new RejectedMessageException(ErrorCategory.UNKNOWN_REFERENCE, "orderId: unknown order " + s.get("orderId").asText());
            }
        }
        return publish(CanonicalTopics.SHIPMENTS, shipments, "shipmentId", "orderId");
    }

    /**
     * Any canonical message (or array) to {@code topic}, validated against {@code schema}, de-duplicated by the
     * field {@code idField} and keyed by the field {@code keyField}. No reference checks: prefer the typed methods.
     */
    public Published publish(String topic, String schema, String idField, String keyField, String json) {
        List<ObjectNode> docs = documents(json);
        for (ObjectNode d : docs) {
            schemas.requireValid(schema, d);
        }
        return publish(topic, docs, idField, keyField);
    }

    private Published publish(String topic, List<ObjectNode> docs, String idField, String keyField) {
        List<String> ids = new ArrayList<>();
        for (ObjectNode d : docs) {
            if (!d.hasNonNull(idField)) {
                throw new RejectedMessageException(ErrorCategory.INVALID, idField + ": required");
            }
            if (ids.contains(d.get(idField).asText())) {
                throw new RejectedMessageException(ErrorCategory.INVALID, idField + ": " + d.get(idField).asText() + " appears twice");
            }
            ids.add(d.get(idField).asText());
        }
        List<Long> outboxIds = tx.execute(status -> {
            List<Long> rows = new ArrayList<>();
            for (ObjectNode d : docs) {
                int fresh = jdbc.update("insert into idempotency_key (scope, key) values (:scope, :key) on conflict do nothing",
                        new MapSqlParameterSource("scope", "publish:" + topic).addValue("key", d.get(idField).asText()));
                if (fresh == 1) {
                    String key = d.path(keyField).asText(d.get(idField).asText());
                    rows.add(outbox.kafka(topic, key, write(d)));
                }
            }
            return rows;
        });
        for (Long id : outboxIds) {
            try {
                relay.publish(id);
            } catch (RuntimeException e) {
                // committed: the relay's schedule publishes it when Kafka is back
                log.warn("Outbox row {} for {} stored, publish deferred: {}", id, topic, e.getMessage());
            }
        }
        return new Published(ids, outboxIds.isEmpty());
    }

    private List<ObjectNode> documents(String json) {
        JsonNode tree;
        try {
            tree = json == null ? null : mapper.readTree(json);
        } catch (JsonProcessingException e) {
            throw new RejectedMessageException(ErrorCategory.INVALID, "malformed JSON: " + e.getOriginalMessage());
        }
        List<ObjectNode> docs = new ArrayList<>();
        if (tree != null && tree.isObject()) {
            docs.add((ObjectNode) tree);
        } else if (tree != null && tree.isArray() && !tree.isEmpty()) {
            for (JsonNode n : tree) {
                if (!n.isObject()) {
                    throw new RejectedMessageException(ErrorCategory.INVALID, "every message must be a JSON object");
                }
                docs.add((ObjectNode) n);
            }
        } else {
            throw new RejectedMessageException(ErrorCategory.INVALID, "expected a JSON object or a non-empty array of objects");
        }
        return docs;
    }

    private void requireNodes(List<String> nodes) {
        Set<String> missing = new TreeSet<>(nodes);
        missing.removeAll(jdbc.queryForList("select id from node where id in (:ids)", new MapSqlParameterSource("ids", missing), String.class));
        if (!missing.isEmpty()) {
            throw new RejectedMessageException(ErrorCategory.UNKNOWN_REFERENCE, "nodeId: unknown node " + String.join(", ", missing));
        }
    }

    private void requireSkus(List<String> skus) {
        Set<String> missing = new TreeSet<>(skus);
        missing.removeAll(jdbc.queryForList("select sku from item where sku in (:skus)", new MapSqlParameterSource("skus", missing), String.class));
        if (!missing.isEmpty()) {
            throw new RejectedMessageException(ErrorCategory.UNKNOWN_REFERENCE, "sku: unknown sku " + String.join(", ", missing));
        }
    }

    private String hubOrderId(String channel, String orderId) {
        List<String> ids = jdbc.queryForList("select id from orders where id = :id or (channel = :channel and channel_order_id = :id)",
                new MapSqlParameterSource("id", orderId).addValue("channel", channel), String.class);
        if (ids.isEmpty()) {
            throw new RejectedMessageException(ErrorCategory.UNKNOWN_REFERENCE, "orderId: unknown order " + orderId);
        }
        return ids.get(0);
    }

    private String write(JsonNode node) {
        try {
            return mapper.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
