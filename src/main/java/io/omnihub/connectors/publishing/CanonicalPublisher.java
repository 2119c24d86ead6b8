package io.omnihub.connectors.publishing;

import io.omnihub.connectors.files.FileChunk;
import io.omnihub.web.HttpProblems;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.omnihub.canonical.CanonicalTopics;
import io.omnihub.canonical.ErrorCategory;
import io.omnihub.canonical.RejectedMessageException;
import io.omnihub.canonical.SchemaValidator;
import io.omnihub.orders.OrderStore;
import io.omnihub.outbox.KafkaOutboxRelay;
import io.omnihub.outbox.Outbox;
import io.omnihub.reference.ReferenceData;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Publishes canonical messages produced by a mapping: validates each against its JSON Schema and the hub's
 * reference data (nodes, skus, orders), writes it to the transactional outbox once per message id (a
 * redelivered message has no second effect), commits, then hands it to the {@link KafkaOutboxRelay}. A route
 * calls it as {@code canonicalPublisher.stockEvents(${body})} and so on; a mapping may produce one message or a
 * JSON array of them, which are published together or not at all. A connector that reads files hands a
 * {@link FileChunk} of mapped rows instead ({@code shipmentRows}; a file of stock events is applied to the ledger
 * straight away, {@code stockEvents.applyRows}): the rows are validated one
 * by one (a bad row is rejected, never its chunk), their references checked with one query per kind, and the good
 * ones published in ONE transaction with set-based statements.
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
    private final ReferenceData references;
    private final OrderStore orderStore;

    public CanonicalPublisher(ObjectMapper mapper, SchemaValidator schemas, NamedParameterJdbcTemplate jdbc,
                              TransactionTemplate tx, Outbox outbox, KafkaOutboxRelay relay, ReferenceData references,
                              OrderStore orderStore) {
        this.references = references;
        this.mapper = mapper;
        this.schemas = schemas;
        this.jdbc = jdbc;
        this.tx = tx;
        this.outbox = outbox;
        this.relay = relay;
        this.orderStore = orderStore;
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
            if (!orderStore.exists(s.get("orderId").asText())) {
                throw new RejectedMessageException(ErrorCategory.UNKNOWN_REFERENCE, "orderId: unknown order " + s.get("orderId").asText());
            }
        }
        return publish(CanonicalTopics.SHIPMENTS, shipments, "shipmentId", "orderId");
    }

    /** A chunk of file rows mapped to Shipments, to {@code omnihub.shipments.v1} keyed by order id; see {@link #shipments}. */
    public FileChunk shipmentRows(FileChunk chunk) {
        chunk.validate(schemas, SchemaValidator.SHIPMENT);
        List<FileChunk.Row> rows = chunk.pending();
        Set<String> nodes = new TreeSet<>();
        Set<String> orders = new TreeSet<>();
        for (FileChunk.Row row : rows) {
            for (JsonNode s : row.messages()) {
                nodes.add(s.get("nodeId").asText());
                orders.add(s.get("orderId").asText());
            }
        }
        Set<String> knownNodes = knownOf(nodes, references.unknownNodes(nodes));
        Set<String> knownOrders = orderStore.existing(orders);
        for (FileChunk.Row row : rows) {
            for (JsonNode s : row.messages()) {
                if (!knownNodes.contains(s.get("nodeId").asText())) {
                    chunk.reject(row, ErrorCategory.UNKNOWN_REFERENCE, "nodeId: unknown node " + s.get("nodeId").asText());
                } else if (!knownOrders.contains(s.get("orderId").asText())) {
                    chunk.reject(row, ErrorCategory.UNKNOWN_REFERENCE, "orderId: unknown order " + s.get("orderId").asText());
                }
            }
        }
        publishRows(CanonicalTopics.SHIPMENTS, chunk, "shipmentId", "orderId", this::shipments);
        return chunk;
    }

    private static Set<String> knownOf(Set<String> ids, Set<String> unknown) {
        Set<String> known = new java.util.HashSet<>(ids);
        known.removeAll(unknown);
        return known;
    }

    /**
     * The chunk's pending rows published in ONE transaction: every message's idempotency key claimed in one statement
     * (a key seen before, by an earlier read of the same file that a crash interrupted, is a duplicate: its row is
     * accepted and nothing is published again), the outbox rows of the new ones in one statement, in row order.
     * Should the transaction fail for another reason than an unavailable database, the rows are published one by one
     * through {@code single}, so that only the row at fault is rejected.
     */
    private void publishRows(String topic, FileChunk chunk, String idField, String keyField,
                             java.util.function.Function<String, Published> single) {
        List<FileChunk.Row> rows = chunk.pending();
        Map<String, FileChunk.Row> byId = new LinkedHashMap<>();
        for (FileChunk.Row row : rows) {
            for (JsonNode m : row.messages()) {
                if (!m.hasNonNull(idField)) {
                    chunk.reject(row, ErrorCategory.INVALID, idField + ": required");
                }
            }
        }
        rows = chunk.pending();
        if (rows.isEmpty()) {
            return;
        }
        List<String> ids = new ArrayList<>();
        List<String> keys = new ArrayList<>();
        List<String> payloads = new ArrayList<>();
        for (FileChunk.Row row : rows) {
            for (JsonNode m : row.messages()) {
                String id = m.get(idField).asText();
                // a message id twice in a file: its first row publishes it, a later one is a duplicate (as ever)
                if (byId.putIfAbsent(id, row) == null) {
                    ids.add(id);
                    keys.add(m.path(keyField).asText(id));
                    payloads.add(write(m));
                }
            }
        }
        try {
            Integer published = tx.execute(status -> {
                Set<String> fresh = new java.util.HashSet<>(jdbc.queryForList("""
                        insert into idempotency_key (scope, key)
                        select :scope, k from unnest(cast(:keys as text[])) k
                        on conflict do nothing returning key""",
                        new MapSqlParameterSource("scope", "publish:" + topic).addValue("keys", ids.toArray(new String[0])),
                        String.class));
                List<String> freshKeys = new ArrayList<>(fresh.size());
                List<String> freshPayloads = new ArrayList<>(fresh.size());
                for (int i = 0; i < ids.size(); i++) {
                    if (fresh.contains(ids.get(i))) {
                        freshKeys.add(keys.get(i));
                        freshPayloads.add(payloads.get(i));
                    }
                }
                outbox.kafkaAll(topic, freshKeys, freshPayloads);
                return freshKeys.size();
            });
            if (published != null && published > 0) {
                relay.publish(0);
            }
        } catch (RuntimeException e) {
            if (io.omnihub.deadletter.DeadLetters.isStorageUnavailable(e)) {
                // one by one cannot fare better without a database: the flow's error handler tries the chunk again
                throw e;
            }
            log.info("A chunk of {} rows for {} could not be published together ({}); publishing them one by one", rows.size(),
                    topic, e.toString());
            for (FileChunk.Row row : rows) {
                try {
                    single.apply(write(row.message()));
                } catch (RejectedMessageException r) {
                    chunk.reject(row, r.category(), r.reason());
                } catch (RuntimeException other) {
                    if (io.omnihub.deadletter.DeadLetters.isStorageUnavailable(other)) {
                        throw other;
                    }
                    chunk.reject(row, HttpProblems.categorize(other), other.getClass().getSimpleName() + ": " + other.getMessage());
                }
            }
        }
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
        references.requireNodes("nodeId", nodes);
    }

    private void requireSkus(List<String> skus) {
        references.requireSkus("sku", skus);
    }

    private String hubOrderId(String channel, String orderId) {
        return orderStore.idOf(channel, orderId).orElseThrow(
                () -> new RejectedMessageException(ErrorCategory.UNKNOWN_REFERENCE, "orderId: unknown order " + orderId));
    }

    private String write(JsonNode node) {
        try {
            return mapper.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
