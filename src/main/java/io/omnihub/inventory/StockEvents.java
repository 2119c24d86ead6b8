package io.omnihub.inventory;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.omnihub.canonical.ErrorCategory;
import io.omnihub.canonical.RejectedMessageException;
import io.omnihub.canonical.SchemaValidator;
import io.omnihub.canonical.StockEvent;
import io.omnihub.reference.ReferenceData;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

import java.util.ArrayList;
import java.util.List;
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

    /** What applying an event did. */
    public enum Outcome { APPLIED, DUPLICATE }

    private final ObjectMapper mapper;
    private final SchemaValidator schemas;
    private final NamedParameterJdbcTemplate jdbc;
    private final TransactionTemplate tx;
    private final StockLedger ledger;
    private final ReferenceData references;

    public StockEvents(ObjectMapper mapper, SchemaValidator schemas, NamedParameterJdbcTemplate jdbc,
                       TransactionTemplate tx, StockLedger ledger, ReferenceData references) {
        this.references = references;
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
        if (events.isEmpty()) {
            return 0;
        }
        Set<String> nodes = new TreeSet<>();
        Set<String> skus = new TreeSet<>();
        for (StockEvent e : events) {
            nodes.add(e.nodeId());
            skus.add(e.sku());
        }
        if (!references.unknownNodes(nodes).isEmpty() || !references.unknownSkus(skus).isEmpty()) {
            throw new RejectedMessageException(ErrorCategory.UNKNOWN_REFERENCE, "a batch names an unknown node or sku");
        }
        Integer applied = tx.execute(status -> {
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
