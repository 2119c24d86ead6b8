package io.omnihub.fulfillment;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.omnihub.support.HubIntegrationTest;
import io.omnihub.support.TestData;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Oversell under concurrency, against the real PostgreSQL: 1,000 one-unit orders for one hot sku with 100 units
 * spread over four nodes, each order submitted twice, from 16 threads, through the live routing service.
 */
class RoutingConcurrencyIT extends HubIntegrationTest {

    static final int ORDERS = 1000;

    @Autowired
    OrderRouting routing;
    @Autowired
    ObjectMapper mapper;

    @Test
    void exactlyTheHundredUnitsAreReservedAndEveryOrderIsDecidedOnce() throws Exception {
        String sku = TestData.sku(jdbc, "WH-NJ1", 40, "ST-MAN", 20, "ST-BRK", 25, "ST-LIC", 15);
        // no walk-in reserve for this test sku: all 100 units may be promised
        jdbc.update("update stock set safety_stock = 0 where sku = :sku", new MapSqlParameterSource("sku", sku));
        List<String> ids = TestOrders.received(jdbc, mapper, "web", ORDERS, i -> sku);

        List<String> submissions = new ArrayList<>(ids);
        submissions.addAll(ids); // every order arrives twice (a redelivery), on different threads
        Collections.shuffle(submissions, new Random(42));
        ExecutorService pool = Executors.newFixedThreadPool(16);
        List<Future<OrderRouting.Outcome>> futures = new ArrayList<>();
        for (String id : submissions) {
            futures.add(pool.submit(() -> routing.route(id, OrderRouting.NEW)));
        }
        int routed = 0;
        int unfulfillable = 0;
        int unchanged = 0;
        for (Future<OrderRouting.Outcome> f : futures) {
            switch (f.get(120, TimeUnit.SECONDS).result()) {
                case ROUTED -> routed++;
                case UNFULFILLABLE -> unfulfillable++;
                case UNCHANGED -> unchanged++;
            }
        }
        pool.shutdown();

        MapSqlParameterSource p = new MapSqlParameterSource("sku", sku).addValue("ids", ids);
        assertThat(routed).isEqualTo(100);
        assertThat(routed + unfulfillable).as("each order decided by exactly one submission").isEqualTo(ORDERS);
        assertThat(unchanged).isEqualTo(ORDERS);
        assertThat(jdbc.queryForObject("select sum(reserved) from stock where sku = :sku", p, Integer.class)).isEqualTo(100);
        assertThat(jdbc.queryForObject("select coalesce(sum(quantity), 0) from reservation where sku = :sku and status = 'ACTIVE'", p, Integer.class))
                .isEqualTo(100);
        assertThat(jdbc.queryForObject("select count(*) from stock where sku = :sku and (reserved > on_hand or reserved < 0 or on_hand < 0)", p, Integer.class))
                .as("no negative figure, nothing reserved beyond what is on hand").isZero();
        assertThat(jdbc.queryForList("select node_id || '=' || reserved from stock where sku = :sku order by node_id", p, String.class))
                .containsExactly("ST-BRK=25", "ST-LIC=15", "ST-MAN=20", "WH-NJ1=40");
        Map<String, Object> statuses = jdbc.queryForMap("select count(*) filter (where status = 'ROUTED') as routed, "
                + "count(*) filter (where status = 'UNFULFILLABLE') as unfulfillable from orders where id in (:ids)", p);
        assertThat(((Number) statuses.get("routed")).intValue()).isEqualTo(100);
        assertThat(((Number) statuses.get("unfulfillable")).intValue()).isEqualTo(900);
        assertThat(jdbc.queryForObject("select count(*) from order_routing where order_id in (:ids) and decisions = 1", p, Integer.class))
                .as("every order decided exactly once").isEqualTo(ORDERS);
        assertThat(jdbc.queryForObject("select count(*) from order_event where order_id in (:ids) and kind in ('ROUTED', 'UNFULFILLABLE')", p, Integer.class))
                .isEqualTo(ORDERS);
        assertThat(jdbc.queryForObject("select count(*) from ledger_entry where sku = :sku and kind = 'RESERVE'", p, Integer.class))
                .as("one committed reservation per routed order, none from lost races").isEqualTo(100);
        assertThat(jdbc.queryForObject("select count(distinct order_id) from reservation where sku = :sku", p, Integer.class)).isEqualTo(100);
    }
}
