package io.omnihub.fulfillment;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.omnihub.support.HubIntegrationTest;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.component.kafka.KafkaConstants;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionTemplate;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A poll of orders routed together (the order-routing consumer's batch step), against the real PostgreSQL. Each test
 * builds its own channel with its own warehouse (daily cap 2) and store, so daily counts and load start at zero; their
 * fulfillment requests go out on the store Kafka topic, which costs the shared request consumer nothing.
 */
class OrderBatchRoutingIT extends HubIntegrationTest {

    @Autowired
    OrderBatches orderBatches;
    @Autowired
    OrderBatchRouting batchRouting;
    @Autowired
    OrderRouting routing;
    @Autowired
    ObjectMapper mapper;
    @Autowired
    CamelContext camel;
    @Autowired
    PlatformTransactionManager transactions;
    @Autowired
    OrderLifecycle lifecycle;
    @Autowired
    Holds holds;

    /** A channel of its own: warehouse W (cap 2 orders a day) and store S, skus A (W 3, S 2) and B (W 5). */
    record Shop(String channel, String warehouse, String store, String skuA, String skuB) {
    }

    Shop shop() {
        String r = UUID.randomUUID().toString().substring(0, 8).toUpperCase();
        Shop s = new Shop("bt-" + r.toLowerCase(), "BTW-" + r, "BTS-" + r, "BTA-" + r, "BTB-" + r);
        MapSqlParameterSource p = new MapSqlParameterSource("ch", s.channel()).addValue("w", s.warehouse()).addValue("s", s.store())
                .addValue("a", s.skuA()).addValue("b", s.skuB());
        jdbc.update("insert into channel (id, name, allow_split) values (:ch, 'batch test', false)", p);
        jdbc.update("""
                insert into node (id, name, type, latitude, longitude, capabilities, daily_order_cap, safety_stock, cost_per_order, sink)
                values (:w, 'batch test warehouse', 'WAREHOUSE', 40.7891, -74.0565, '{SHIP_TO_HOME}', 2, 0, 4.00, 'STORE_KAFKA'),
                       (:s, 'batch test store', 'STORE', 40.7527, -73.9772, '{SHIP_FROM_STORE,PICKUP_IN_STORE}', null, 0, 6.00, 'STORE_KAFKA')""", p);
        jdbc.update("insert into channel_node (channel_id, node_id) values (:ch, :w), (:ch, :s)", p);
        jdbc.update("insert into item (sku, name) values (:a, 'batch test a'), (:b, 'batch test b')", p);
        jdbc.update("insert into stock (node_id, sku, on_hand) values (:w, :a, 3), (:s, :a, 2), (:w, :b, 5)", p);
        return s;
    }

    /** Six one-unit orders of A, then one of B: W's cap runs out after two, S has the last two units of A. */
    List<String> orders(Shop shop) {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            String sku = i < 6 ? shop.skuA() : shop.skuB();
            ids.addAll(TestOrders.received(jdbc, mapper, shop.channel(), 1, n -> sku));
        }
        return ids;
    }

    Exchange record(String key, String body) {
        Exchange e = new DefaultExchange(camel);
        if (key != null) {
            e.getMessage().setHeader(KafkaConstants.KEY, key);
        }
        e.getMessage().setBody(body);
        return e;
    }

    Exchange record(String orderId) {
        return record(orderId, jdbc.queryForObject("select payload::text from orders where id = :id",
                new MapSqlParameterSource("id", orderId), String.class));
    }

    String status(String id) {
        return jdbc.queryForObject("select status from orders where id = :id", new MapSqlParameterSource("id", id), String.class);
    }

    int reserved(String node, String sku) {
        return jdbc.queryForObject("select reserved from stock where node_id = :n and sku = :s",
                new MapSqlParameterSource("n", node).addValue("s", sku), Integer.class);
    }

    int dailyOrders(String node) {
        return jdbc.queryForObject("select coalesce(sum(orders), 0) from node_daily_orders where node_id = :n and day = current_date",
                new MapSqlParameterSource("n", node), Integer.class);
    }

    /** The recorded decisions with this shop's names replaced by neutral ones, so two shops' decisions compare. */
    List<String> decisions(Shop shop, List<String> ids) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < ids.size(); i++) {
            String d = jdbc.queryForObject("select decision::text from orders where id = :id", new MapSqlParameterSource("id", ids.get(i)), String.class);
            out.add(d.replace(ids.get(i), "ORDER-" + i).replace(shop.warehouse(), "W").replace(shop.store(), "S")
                    .replace(shop.skuA(), "A").replace(shop.skuB(), "B").replace(shop.channel(), "CH"));
        }
        return out;
    }

    /** Stock, ledger, reservations and counters of a shop agree, and nothing is promised beyond what is on hand. */
    void assertConsistent(Shop shop) {
        MapSqlParameterSource p = new MapSqlParameterSource("nodes", List.of(shop.warehouse(), shop.store()));
        assertThat(jdbc.queryForList("""
                select s.node_id || '/' || s.sku from stock s
                where s.node_id in (:nodes) and (s.reserved > s.on_hand
                   or s.reserved <> (select coalesce(sum(reserved_delta), 0) from ledger_entry l where l.node_id = s.node_id and l.sku = s.sku)
                   or s.reserved <> (select coalesce(sum(quantity), 0) from reservation r where r.node_id = s.node_id and r.sku = s.sku
                                     and r.status = 'ACTIVE'))""", p, String.class)).as("stock rows out of step").isEmpty();
        assertThat(jdbc.queryForList("""
                select n.id from node n left join node_load l on l.node_id = n.id where n.id in (:nodes)
                and coalesce(l.open_reservations, 0) <> (select count(*) from reservation r where r.node_id = n.id
                                                         and r.status = 'ACTIVE' and r.order_id is not null)""", p, String.class))
                .as("load counters out of step").isEmpty();
    }

    @Test
    void earlierOrdersOfThePollWinTheLastUnitsTheCapHoldsTheInvalidOneIsDeadLetteredAndTheDecisionsAreThoseOfOneByOne() {
        Shop batchShop = shop();
        List<String> ids = orders(batchShop);
        String garbage = "not an order " + UUID.randomUUID();
        List<Exchange> poll = new ArrayList<>();
        for (int i = 0; i < ids.size(); i++) {
            poll.add(record(ids.get(i)));
            if (i == 2) {
                poll.add(record(null, garbage));
            }
        }
        poll.add(record(ids.get(0))); // a redelivery inside the same poll

        orderBatches.routeOnce(poll);

        assertThat(ids).extracting(this::status).containsExactly("ROUTED", "ROUTED", "ROUTED", "ROUTED",
                "UNFULFILLABLE", "UNFULFILLABLE", "UNFULFILLABLE");
        assertThat(reserved(batchShop.warehouse(), batchShop.skuA())).as("W's cap of 2 orders").isEqualTo(2);
        assertThat(reserved(batchShop.store(), batchShop.skuA())).as("the store's last two units").isEqualTo(2);
        assertThat(reserved(batchShop.warehouse(), batchShop.skuB())).isZero();
        assertThat(dailyOrders(batchShop.warehouse())).isEqualTo(2);
        assertThat(dailyOrders(batchShop.store())).isEqualTo(2);
        assertThat(jdbc.queryForObject("select decision::text from orders where id = :id", new MapSqlParameterSource("id", ids.get(6)),
                String.class)).contains("at its daily cap (2 of 2 orders today)");
        assertThat(jdbc.queryForObject("select count(*) from dead_letter where payload = :p", new MapSqlParameterSource("p", garbage),
                Integer.class)).as("the invalid record is dead-lettered").isEqualTo(1);
        assertThat(jdbc.queryForObject("select route_id from dead_letter where payload = :p", new MapSqlParameterSource("p", garbage),
                String.class)).as("naming the per-record route a replay goes through").isEqualTo("order-routing-one");
        MapSqlParameterSource p = new MapSqlParameterSource("ids", ids);
        assertThat(jdbc.queryForObject("select count(*) from order_routing where order_id in (:ids) and decisions = 1", p, Integer.class))
                .as("every order decided once, the redelivery changed nothing").isEqualTo(7);
        assertThat(jdbc.queryForObject("select count(*) from order_event where order_id in (:ids) and kind in ('ROUTED', 'UNFULFILLABLE')",
                p, Integer.class)).isEqualTo(7);
        assertThat(jdbc.queryForList("select order_id from order_routing where order_id in (:ids) order by decision_seq", p, String.class))
                .as("the decision sequence follows the poll").containsExactlyElementsOf(ids);
        assertThat(jdbc.queryForObject("select count(*) from outbox where kind = 'STOCK_CHANGED' and msg_key = :a",
                new MapSqlParameterSource("a", batchShop.skuA()), Integer.class)).as("one STOCK_CHANGED per sku").isEqualTo(1);
        assertThat(jdbc.queryForObject("select count(*) from outbox where topic = 'omnihub.fulfillment-requests.v1' and msg_key in (:n)",
                new MapSqlParameterSource("n", List.of(batchShop.warehouse(), batchShop.store())), Integer.class)).isEqualTo(4);
        assertConsistent(batchShop);

        // the same orders on an identical shop, routed one at a time in the same order
        Shop oneShop = shop();
        List<String> oneIds = orders(oneShop);
        oneIds.forEach(id -> routing.route(id, OrderRouting.NEW));
        assertThat(decisions(batchShop, ids)).containsExactlyElementsOf(decisions(oneShop, oneIds));
        assertConsistent(oneShop);
    }

    @Test
    void aStockGuardThatDoesNotHoldRollsTheWholeBatchBack() {
        Shop shop = shop();
        List<String> ids = orders(shop);
        // by construction: after the decisions, before the writes, two units of A leave the store's shelf
        assertThatThrownBy(() -> batchRouting.route(ids, () -> jdbc.update(
                "update stock set on_hand = on_hand - 2 where node_id = :s and sku = :a",
                new MapSqlParameterSource("s", shop.store()).addValue("a", shop.skuA()))))
                .isInstanceOf(OrderBatchRouting.GuardMismatch.class);

        assertThat(ids).extracting(this::status).containsOnly("RECEIVED");
        assertThat(reserved(shop.warehouse(), shop.skuA()) + reserved(shop.store(), shop.skuA())).isZero();
        assertThat(dailyOrders(shop.warehouse())).isZero();
        assertThat(jdbc.queryForObject("select count(*) from reservation where order_id in (:ids)", new MapSqlParameterSource("ids", ids),
                Integer.class)).isZero();
    }

    @Test
    void aDailyCountMovedConcurrentlyBetweenReadAndWriteFallsBackToOneByOneWithoutOversellOrPassingTheCap() {
        Shop shop = shop();
        List<String> ids = orders(shop);
        List<Exchange> poll = ids.stream().map(this::record).toList();
        TransactionTemplate elsewhere = new TransactionTemplate(transactions);
        elsewhere.setPropagationBehavior(TransactionDefinition.PROPAGATION_REQUIRES_NEW);
        // another writer (its own committed transaction) routes an order to W after the batch read W's count
        Runnable concurrentOrder = () -> elsewhere.executeWithoutResult(s -> jdbc.update(
                "insert into node_daily_orders (node_id, day, orders) values (:w, current_date, 1)",
                new MapSqlParameterSource("w", shop.warehouse())));

        orderBatches.routeOnce(poll, concurrentOrder);

        assertThat(dailyOrders(shop.warehouse())).as("the cap holds: the concurrent order and one of ours").isEqualTo(2);
        assertThat(ids).extracting(this::status).containsExactly("ROUTED", "ROUTED", "ROUTED", "UNFULFILLABLE",
                "UNFULFILLABLE", "UNFULFILLABLE", "UNFULFILLABLE");
        assertThat(reserved(shop.warehouse(), shop.skuA())).isEqualTo(1);
        assertThat(reserved(shop.store(), shop.skuA())).isEqualTo(2);
        assertThat(jdbc.queryForObject("select count(*) from order_routing where order_id in (:ids) and decisions = 1",
                new MapSqlParameterSource("ids", ids), Integer.class)).isEqualTo(7);
        assertThat(jdbc.queryForObject("select count(*) from ledger_entry where sku = :a and kind = 'RESERVE'",
                new MapSqlParameterSource("a", shop.skuA()), Integer.class)).as("only the fallback's reservations").isEqualTo(3);
        assertConsistent(shop);
        assertThat(jdbc.queryForObject("select count(*) from stock where node_id in (:n) and reserved > on_hand",
                new MapSqlParameterSource("n", List.of(shop.warehouse(), shop.store())), Integer.class)).isZero();
    }

    @Test
    void theLoadAndDailyCountersFollowShippingCancellationRejectionAndHolds() {
        Shop shop = shop();
        // a hold's reservations (two of B at W) do not load the node
        Holds.Hold hold = holds.create(shop.channel(), List.of(new Holds.HoldLine(shop.skuB(), 2)), 5);
        assertThat(load(shop.warehouse())).isZero();
        List<String> ids = orders(shop).subList(0, 4); // W, W, S, S
        orderBatches.routeOnce(ids.stream().map(this::record).toList());
        assertConsistent(shop);
        int loadW = load(shop.warehouse());

        lifecycle.shipped(ids.get(0), shop.warehouse(), "UPS", "1Z-BATCH");
        assertThat(load(shop.warehouse())).as("a shipped reservation no longer loads the node").isEqualTo(loadW - 1);
        lifecycle.cancel(ids.get(2), "test");
        lifecycle.reject(ids.get(1), shop.warehouse(), null, "damaged");
        // the rejected order is routed again: W is at its cap for today, the store has one unit of A left
        assertThat(status(ids.get(1))).isEqualTo("ROUTED");
        assertThat(dailyOrders(shop.warehouse())).as("the cap counts what was routed, rejections included").isEqualTo(2);
        assertConsistent(shop);

        // releasing the hold changes no counter
        int loadBefore = load(shop.warehouse());
        holds.release(hold.holdId());
        assertThat(load(shop.warehouse())).isEqualTo(loadBefore);
        assertConsistent(shop);
    }

    int load(String node) {
        return jdbc.queryForObject("select coalesce(sum(open_reservations), 0) from node_load where node_id = :n",
                new MapSqlParameterSource("n", node), Integer.class);
    }
}
