package io.omnihub.policy;

import com.fasterxml.jackson.databind.JsonNode;
import io.omnihub.fulfillment.OrderRouting;
import io.omnihub.inventory.StockLedger;
import io.omnihub.support.TestData;
import org.apache.camel.CamelContext;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.transaction.support.TransactionTemplate;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The what-if simulation replays a window in the order live routing decided it, not in the order the orders were
 * received: orders received in one order and routed concurrently by several threads in another, with the sku running
 * out and a receipt in the middle. The active policy replayed over the window changes nothing and reproduces every
 * decision; a candidate without ship-from-store changes exactly the orders that went to a store.
 */
class SimulationFidelityIT extends PolicyTestSupport {

    static final int ORDERS = 16;
    static final int THREADS = 4;

    @Autowired
    Simulations simulations;
    @Autowired
    StockLedger ledger;
    @Autowired
    TransactionTemplate tx;
    @Autowired
    CamelContext camel;

    record Window(Instant from, Instant to, List<String> orders) {
    }

    Instant dbNow() {
        return jdbc.queryForObject("select clock_timestamp()", new MapSqlParameterSource(), Timestamp.class).toInstant();
    }

    /**
     * Sixteen one-unit web orders for a sku the warehouse has 4 of and a store 3 of, all received first, then routed
     * by four threads in a shuffled order, half of them before a receipt of 2 at the warehouse and half after. The
     * Kafka consumer of the orders topic is paused meanwhile, so the threads take every first decision (the
     * unfulfillable retry may take later ones: that is live routing too).
     */
    Window record() throws Exception {
        String sku = TestData.sku(jdbc, "WH-NJ1", 4, "ST-MAN", 3);
        Instant from = dbNow();
        camel.getRouteController().suspendRoute("order-routing");
        try {
            List<String> received = new ArrayList<>();
            for (int i = 0; i < ORDERS; i++) {
                received.add(intake.accept("web", canonical("web", sku, 1)).orderId());
            }
            List<String> decisionOrder = new ArrayList<>(received);
            Collections.shuffle(decisionOrder, new Random(42));
            routeConcurrently(decisionOrder.subList(0, ORDERS / 2));
            tx.executeWithoutResult(s -> ledger.adjustOnHand("WH-NJ1", sku, 2, StockLedger.Kind.RECEIPT, "PO-FIDELITY", "receipt"));
            routeConcurrently(decisionOrder.subList(ORDERS / 2, ORDERS));
            Instant to = dbNow().plusMillis(1);
            return new Window(from, to, received);
        } finally {
            camel.getRouteController().resumeRoute("order-routing");
        }
    }

    void routeConcurrently(List<String> ids) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (String id : ids) {
                done.add(pool.submit(() -> routing.route(id, OrderRouting.NEW)));
            }
            for (Future<?> f : done) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /** Orders whose recorded decision ships from a store. */
    Set<String> storeOrders(Window w) {
        Set<String> store = new HashSet<>();
        for (String id : w.orders()) {
            decision(id).path("shipments").forEach(s -> {
                if (s.path("nodeId").asText().startsWith("ST-")) {
                    store.add(id);
                }
            });
        }
        return store;
    }

    @Test
    void theActivePolicyReplayedOnItsOwnConcurrentlyRoutedOrdersChangesNothing() throws Exception {
        Window w = record();
        List<String> outcomes = w.orders().stream().map(id -> decision(id).path("outcome").asText()).toList();
        // the window has the warehouse, the store and orders left unfulfillable once both ran out
        assertThat(outcomes).contains("ROUTED", "UNFULFILLABLE");
        assertThat(storeOrders(w)).isNotEmpty();

        SimulationReport report = simulations.simulate(new Simulations.Request(activeBefore, null, w.from(), w.to(), "web", null),
                store.policy(activeBefore), null);

        assertThat(report.orders()).isEqualTo(ORDERS);
        assertThat(report.fidelity().checked()).isTrue();
        assertThat(report.fidelity().unreproducible()).as(report.toString()).isEmpty();
        assertThat(report.fidelity().reproduced()).isEqualTo(ORDERS);
        assertThat(report.changed()).as(report.toString()).isEmpty();
        assertThat(report.changedCount()).isZero();
        assertThat(report.simulated()).isEqualTo(report.actual());
    }

    @Test
    void aCandidateWithoutShipFromStoreChangesExactlyTheStoreOrders() throws Exception {
        Window w = record();
        Set<String> storeOrders = storeOrders(w);
        assertThat(storeOrders).isNotEmpty();
        int candidate = post(policyWithShipToHome("WAREHOUSE"), "fidelity: no ship from store");

        SimulationReport report = simulations.simulate(new Simulations.Request(candidate, null, w.from(), w.to(), "web", null),
                store.policy(candidate), null);

        assertThat(report.fidelity().unreproducibleCount()).as(report.toString()).isZero();
        Set<String> changed = new HashSet<>();
        report.changed().forEach(c -> changed.add(c.orderId()));
        assertThat(changed).as(report.toString()).isEqualTo(storeOrders);
        // the store's units are not the warehouse's: what went to the store has nowhere to go without it
        report.changed().forEach(c -> assertThat(c.simulatedOutcome()).isEqualTo("UNFULFILLABLE"));

        // the served report carries the fidelity line the console shows
        JsonNode view = mapper.valueToTree(Simulations.view(report));
        assertThat(view.path("fidelity").path("reproduced").asInt()).isEqualTo(ORDERS);
        assertThat(view.path("fidelity").path("decided").asInt()).isEqualTo(ORDERS);
    }
}
