package io.omnihub.inventory;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.omnihub.canonical.ErrorCategory;
import io.omnihub.canonical.RejectedMessageException;
import io.omnihub.canonical.SchemaValidator;
import io.omnihub.canonical.StockEvent;
import io.omnihub.connectors.files.FileChunk;
import io.omnihub.deadletter.DeadLetters;
import io.omnihub.outbox.Outbox;
import io.omnihub.reference.ReferenceData;
import io.omnihub.web.HttpProblems;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Applies canonical {@link StockEvent}s to the ledger: SALE, RECEIPT, ADJUSTMENT, SNAPSHOT and RETURN, each through
 * {@link StockLedger} in one transaction with the event's idempotency key, so a redelivered event changes the
 * ledger once. Invalid events and events naming an unknown sku or node are refused with a
 * {@link RejectedMessageException} (the route dead-letters them).
 */
@Component("stockEvents")
public class StockEvents {

    /** Idempotency scope of stock events (key: eventId). */
    public static final String SCOPE = "stock-event";

    private static final Logger log = LoggerFactory.getLogger(StockEvents.class);

    /** What applying an event did. */
    public enum Outcome { APPLIED, DUPLICATE }

    private final ObjectMapper mapper;
    private final SchemaValidator schemas;
    private final NamedParameterJdbcTemplate jdbc;
    private final TransactionTemplate tx;
    private final StockLedger ledger;
    private final ReferenceData references;
    private final Outbox outbox;

    public StockEvents(ObjectMapper mapper, SchemaValidator schemas, NamedParameterJdbcTemplate jdbc,
                       TransactionTemplate tx, StockLedger ledger, ReferenceData references, Outbox outbox) {
        this.references = references;
        this.outbox = outbox;
        this.mapper = mapper;
        this.schemas = schemas;
        this.jdbc = jdbc;
        this.tx = tx;
        this.ledger = ledger;
    }

    /** Validates and applies one StockEvent given as JSON. */
    public Outcome apply(String json) {
        StockEvent event = parse(json);
        references.requireNodeAndSku(event.nodeId(), event.sku());
        return tx.execute(status -> applyInTransaction(event));
    }

    /**
     * Validates one StockEvent given as JSON without applying it: throws the {@link RejectedMessageException}
     * {@link #apply(String)} would throw for an invalid event (references are checked by {@link #applyAll}).
     */
    public StockEvent validate(String json) {
        return parse(json);
    }

    /**
     * Applies validated events in their order in ONE transaction (each once, by its idempotency key), for a consumer
     * that takes a poll's records together. All or nothing: an unknown node or sku, or any failure, throws and
     * applies none of them, so the caller can fall back to {@link #apply(String)} one by one, which refuses exactly
     * the bad one. Returns how many were applied (not duplicates).
     */
    public int applyAll(List<StockEvent> events) {
        Set<String> nodes = new TreeSet<>();
        Set<String> skus = new TreeSet<>();
        for (StockEvent e : events) {
            nodes.add(e.nodeId());
            skus.add(e.sku());
        }
        if (!references.unknownNodes(nodes).isEmpty() || !references.unknownSkus(skus).isEmpty()) {
            throw new RejectedMessageException(ErrorCategory.UNKNOWN_REFERENCE, "a batch names an unknown node or sku");
        }
        return applyKnown(events, false);
    }

    /**
     * {@link #applyAll(List)} of events whose nodes and skus the caller has checked; with {@code figuresLater} the
     * channels' figures are left to the sync's pass, which this hub wakes when the transaction commits (a file's chunk:
     * its thousand skus' figures are worked out beside the next chunk instead of in front of it).
     */
    private int applyKnown(List<StockEvent> events, boolean figuresLater) {
        if (events.isEmpty()) {
            return 0;
        }
        Integer applied = tx.execute(status -> {
            if (figuresLater) {
                outbox.figuresAfterCommit();
            }
            boolean[] claimed = IdempotencyKeys.claimAll(jdbc, SCOPE, events.stream().map(StockEvent::eventId).toList(),
                    events.stream().map(e -> e.type().name()).toList());
            List<StockLedger.OnHandChange> changes = new ArrayList<>(events.size());
            for (int i = 0; i < events.size(); i++) {
                if (claimed[i]) {
                    changes.add(change(events.get(i)));
                }
            }
            ledger.applyOnHand(changes);
            return changes.size();
        });
        return applied == null ? 0 : applied;
    }

    /**
     * A chunk of file rows mapped to StockEvents (a WMS count or a partner's stock file), applied to the ledger in ONE
     * transaction, in row order (a count then an adjustment of the same sku apply in that order), without a trip
     * through Kafka: the file's result then says of each row whether its change is in the ledger, and a row costs no
     * outbox row, broker append and consumer read. Each row is checked as one event at a time is (schema, then node,
     * then sku) and rejected with the same reason; a row seen before (its event id is the file and row, so a file
     * read again after a crash) is accepted without a second effect. The channels' figures of the chunk's skus follow
     * from the sync's pass, which works them out while the next chunk is applied. Should the chunk's transaction fail
     * for another reason than an unavailable database, the rows are applied one by one, so that only the row at fault
     * is rejected; without a database the failure goes to the flow, whose error handler tries the chunk again.
     */
    public FileChunk applyRows(FileChunk chunk) {
        chunk.validate(schemas, SchemaValidator.STOCK_EVENT);
        Map<FileChunk.Row, List<StockEvent>> rows = new LinkedHashMap<>();
        Set<String> nodes = new TreeSet<>();
        Set<String> skus = new TreeSet<>();
        for (FileChunk.Row row : chunk.pending()) {
            List<StockEvent> events = new ArrayList<>();
            try {
                for (JsonNode m : row.messages()) {
                    events.add(mapper.treeToValue(m, StockEvent.class));
                }
            } catch (JsonProcessingException e) {
                chunk.reject(row, ErrorCategory.INVALID, "not a stock event: " + e.getOriginalMessage());
                continue;
            }
            events.forEach(e -> {
                nodes.add(e.nodeId());
                skus.add(e.sku());
            });
            rows.put(row, events);
        }
        Set<String> unknownNodes = references.unknownNodes(nodes);
        Set<String> unknownSkus = references.unknownSkus(skus);
        List<StockEvent> events = new ArrayList<>();
        for (var it = rows.entrySet().iterator(); it.hasNext(); ) {
            var entry = it.next();
            // the node first, then the sku, as one event at a time names them
            Set<String> missingNodes = new TreeSet<>();
            Set<String> missingSkus = new TreeSet<>();
            for (StockEvent e : entry.getValue()) {
                if (unknownNodes.contains(e.nodeId())) {
                    missingNodes.add(e.nodeId());
                }
                if (unknownSkus.contains(e.sku())) {
                    missingSkus.add(e.sku());
                }
            }
            if (!missingNodes.isEmpty()) {
                chunk.reject(entry.getKey(), ErrorCategory.UNKNOWN_REFERENCE, "nodeId: unknown node " + String.join(", ", missingNodes));
                it.remove();
            } else if (!missingSkus.isEmpty()) {
                chunk.reject(entry.getKey(), ErrorCategory.UNKNOWN_REFERENCE, "sku: unknown sku " + String.join(", ", missingSkus));
                it.remove();
            } else {
                events.addAll(entry.getValue());
            }
        }
        try {
            applyKnown(events, true);
        } catch (RuntimeException e) {
            if (DeadLetters.isStorageUnavailable(e)) {
                throw e;
            }
            log.info("A chunk of {} rows could not be applied together ({}); applying them one by one", rows.size(), e.toString());
            rows.forEach((row, rowEvents) -> {
                try {
                    applyKnown(rowEvents, true);
                } catch (RejectedMessageException r) {
                    chunk.reject(row, r.category(), r.reason());
                } catch (RuntimeException other) {
                    if (DeadLetters.isStorageUnavailable(other)) {
                        throw other;
                    }
                    chunk.reject(row, HttpProblems.categorize(other), other.getClass().getSimpleName() + ": " + other.getMessage());
                }
            });
        }
        return chunk;
    }

    /** The ledger change a stock event makes. */
    static StockLedger.OnHandChange change(StockEvent event) {
        String reference = "stock-event:" + event.eventId();
        return switch (event.type()) {
            case SALE -> new StockLedger.OnHandChange(event.nodeId(), event.sku(), StockLedger.Kind.SALE, -event.quantity(),
                    reference, event.reason());
            case RECEIPT -> new StockLedger.OnHandChange(event.nodeId(), event.sku(), StockLedger.Kind.RECEIPT,
                    event.quantity(), reference, event.reason());
            case RETURN -> new StockLedger.OnHandChange(event.nodeId(), event.sku(), StockLedger.Kind.RETURN,
                    event.quantity(), reference, event.reason());
            case ADJUSTMENT -> new StockLedger.OnHandChange(event.nodeId(), event.sku(), StockLedger.Kind.ADJUSTMENT,
                    event.quantity(), reference, event.reason());
            case SNAPSHOT -> new StockLedger.OnHandChange(event.nodeId(), event.sku(), StockLedger.Kind.SNAPSHOT,
                    event.quantity(), reference, event.reason() == null ? "count" : event.reason());
        };
    }

    private Outcome applyInTransaction(StockEvent event) {
        if (!IdempotencyKeys.claim(jdbc, SCOPE, event.eventId(), event.type().name())) {
            return Outcome.DUPLICATE;
        }
        ledger.applyOnHand(List.of(change(event)));
        return Outcome.APPLIED;
    }

    private StockEvent parse(String json) {
        return schemas.read(json, SchemaValidator.STOCK_EVENT, StockEvent.class, "a stock event");
    }
}
