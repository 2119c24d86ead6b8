package io.omnihub.orders;

import io.omnihub.canonical.OrderIds;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.omnihub.canonical.CanonicalTopics;
import io.omnihub.connectors.webhook.WebhookSignatures;
import io.omnihub.support.HubIntegrationTest;
import io.omnihub.support.Signed;
import io.omnihub.support.TestData;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;

import javax.sql.DataSource;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Group commit of webhook orders, over real HTTP into the real PostgreSQL. To put many requests into one batch
 * window, the test holds a lock on {@code orders} while a first order is being written: the writer waits on it
 * inside its transaction, the next requests gather in its queue, and releasing the lock lets them go as one batch.
 */
class IntakeGroupCommitIT extends HubIntegrationTest {

    static final String SECRET = "web-demo-secret";

    @Autowired
    ObjectMapper mapper;

    @Autowired
    DataSource dataSource;

    @Autowired
    OrderGroupCommit writer;

    final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    String url() {
        return baseUrl() + "/webhooks/web/orders";
    }

    static String order(String id, String sku, int quantity) {
        return """
                {"id": "%s", "created_at": "2026-11-25T10:15:00Z", "currency": "USD",
                 "customer": {"email": "ada@example.com", "first_name": "Ada", "last_name": "Lovelace"},
                 "shipping_address": {"address1": "350 5th Ave", "city": "New York", "zip": "10118", "country_code": "US",
                                      "latitude": 40.7484, "longitude": -73.9857},
                 "shipping_lines": [{"code": "standard"}],
                 "line_items": [{"sku": "%s", "quantity": %d, "price": "10.00"}, {"sku": "%s", "quantity": 1, "price": "2.50"}]}
                """.formatted(id, sku, quantity, sku);
    }

    CompletableFuture<HttpResponse<String>> post(String body) {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        return http.sendAsync(HttpRequest.newBuilder(URI.create(url()))
                .timeout(Duration.ofSeconds(60))
                .header("Content-Type", "application/json")
                .header("X-Storefront-Hmac-Sha256", WebhookSignatures.storefrontHmac(SECRET, bytes))
                .POST(HttpRequest.BodyPublishers.ofByteArray(bytes)).build(), HttpResponse.BodyHandlers.ofString());
    }

    int count(String sql, String orderId) {
        return jdbc.queryForObject(sql, new MapSqlParameterSource("id", orderId), Integer.class);
    }

    int stored(String orderId) {
        return count("select count(*) from orders where id = :id", orderId);
    }

    String idOf(HttpResponse<String> response) throws Exception {
        return mapper.readTree(response.body()).get("orderId").asText();
    }

    /** Holds an exclusive lock on {@code orders} until closed (rolled back), on a connection of its own. */
    final class OrdersLock implements AutoCloseable {
        final Connection c;

        OrdersLock() throws Exception {
            c = dataSource.getConnection();
            c.setAutoCommit(false);
            try (Statement st = c.createStatement()) {
                st.execute("lock table orders in exclusive mode");
            }
        }

        @Override
        public void close() throws Exception {
            c.rollback();
            c.setAutoCommit(true);
            c.close();
        }
    }

    /** Sends a first order and waits until the writer is held by the lock inside its batch transaction. */
    CompletableFuture<HttpResponse<String>> blockWriter(String sku) {
        CompletableFuture<HttpResponse<String>> blocker = post(order("blocker-" + UUID.randomUUID(), sku, 1));
        await().atMost(Duration.ofSeconds(20)).until(() -> jdbc.queryForObject(
                "select count(*) from pg_stat_activity where wait_event_type = 'Lock' and query like '%insert into orders%'",
                Map.of(), Integer.class) > 0);
        return blocker;
    }

    @Test
    void shouldStoreEveryValidOrderOnceAndAnswerEveryRequestOfOneBatch() throws Exception {
        String sku = TestData.sku(jdbc, "WH-NJ1", 500);
        String before = "before-" + UUID.randomUUID();
        HttpResponse<String> earlier = post(order(before, sku, 1)).get();
        assertThat(earlier.statusCode()).isEqualTo(202);

        Map<String, CompletableFuture<HttpResponse<String>>> valid = new LinkedHashMap<>();
        List<CompletableFuture<HttpResponse<String>>> secondCopies = new ArrayList<>();
        List<String> copied = new ArrayList<>();
        CompletableFuture<HttpResponse<String>> againBefore;
        Map<String, CompletableFuture<HttpResponse<String>>> invalid = new LinkedHashMap<>();
        CompletableFuture<HttpResponse<String>> blocker;
        try (OrdersLock lock = new OrdersLock()) {
            blocker = blockWriter(sku);
            for (int i = 0; i < 40; i++) {
                String cid = "batch-" + UUID.randomUUID();
                valid.put(cid, post(order(cid, sku, 1 + i % 3)));
                if (i % 8 == 0) {
                    // the same order twice in one batch window
                    copied.add(cid);
                    secondCopies.add(post(order(cid, sku, 1 + i % 3)));
                }
            }
            againBefore = post(order(before, sku, 1));
            invalid.put("unknown sku NO-SUCH-SKU", post(order("bad-" + UUID.randomUUID(), "NO-SUCH-SKU", 1)));
            invalid.put("/lines/0/quantity", post(order("bad-" + UUID.randomUUID(), sku, 0)));
            invalid.put("malformed JSON", post("{\"id\": \"bad\", \"line_items\": ["));
            invalid.put("currency", post(order("bad-" + UUID.randomUUID(), sku, 1).replace("\"currency\": \"USD\",", "")));

            // a bad order never waits for a batch: answered while the writer is still held
            for (Map.Entry<String, CompletableFuture<HttpResponse<String>>> e : invalid.entrySet()) {
                HttpResponse<String> r = e.getValue().get();
                assertThat(r.statusCode()).as(e.getKey()).isBetween(400, 499);
                assertThat(r.body()).as(e.getKey()).contains(e.getKey());
            }
            int expected = valid.size() + secondCopies.size() + 1;
            await().atMost(Duration.ofSeconds(30)).until(() -> writer.waiting() == expected);
            assertThat(valid.values()).noneMatch(CompletableFuture::isDone);
        }

        assertThat(blocker.get().statusCode()).isEqualTo(202);
        for (Map.Entry<String, CompletableFuture<HttpResponse<String>>> e : valid.entrySet()) {
            String cid = e.getKey();
            HttpResponse<String> r = e.getValue().get();
            String id = OrderIds.of("web", cid);
            if (copied.contains(cid)) {
                HttpResponse<String> other = secondCopies.get(copied.indexOf(cid)).get();
                // whichever of the two copies was first in the batch is accepted, the other is its duplicate
                assertThat(List.of(r.statusCode(), other.statusCode())).as(cid).containsExactlyInAnyOrder(202, 200);
                assertThat(idOf(other)).isEqualTo(id);
            } else {
                assertThat(r.statusCode()).as(cid + ": " + r.body()).isEqualTo(202);
            }
            assertThat(idOf(r)).isEqualTo(id);
            assertThat(stored(id)).as("stored once").isEqualTo(1);
            assertThat(count("select count(*) from order_line where order_id = :id", id)).isEqualTo(2);
            assertThat(count("select count(*) from order_event where order_id = :id and kind = 'RECEIVED'", id)).isEqualTo(1);
            assertThat(jdbc.queryForObject("select count(*) from outbox where topic = :t and msg_key = :id",
                    new MapSqlParameterSource("id", id).addValue("t", CanonicalTopics.ORDERS), Integer.class))
                    .as("announced once").isEqualTo(1);
            assertThat(jdbc.queryForObject("select sum(quantity) from order_line where order_id = :id",
                    new MapSqlParameterSource("id", id), Integer.class)).isEqualTo(1 + (List.copyOf(valid.keySet()).indexOf(cid)) % 3 + 1);
        }
        HttpResponse<String> dup = againBefore.get();
        assertThat(dup.statusCode()).isEqualTo(200);
        assertThat(idOf(dup)).isEqualTo(idOf(earlier));
        assertThat(mapper.readTree(dup.body()).get("status").asText()).isEqualTo("DUPLICATE");
        assertThat(stored(idOf(earlier))).isEqualTo(1);
        assertThat(jdbc.queryForObject("select count(*) from orders where channel = 'web' and channel_order_id like 'bad-%' "
                + "and payload -> 'lines' -> 0 ->> 'sku' = :sku", new MapSqlParameterSource("sku", sku), Integer.class))
                .as("nothing of the invalid orders").isZero();
    }

    /** Threads of the hub whose stack shows them serving a webhook request and waiting for the route to finish. */
    static List<String> threadsWaitingInAWebhook() {
        List<String> waiting = new ArrayList<>();
        Thread.getAllStackTraces().forEach((thread, stack) -> {
            boolean inWebhook = false;
            boolean awaiting = false;
            for (StackTraceElement frame : stack) {
                inWebhook |= frame.getClassName().contains("PlatformHttpConsumer") || frame.getClassName().contains("OrderIntake");
                awaiting |= frame.getClassName().contains("AsyncProcessorAwaitManager") || frame.getMethodName().equals("join");
            }
            if (inWebhook && awaiting) {
                waiting.add(thread.getName());
            }
        });
        return waiting;
    }

    @Test
    void requestsWaitingForTheirCommitHoldNoThread() throws Exception {
        String sku = TestData.sku(jdbc, "WH-NJ1", 500);
        List<CompletableFuture<HttpResponse<String>>> waiting = new ArrayList<>();
        CompletableFuture<HttpResponse<String>> blocker;
        try (OrdersLock lock = new OrdersLock()) {
            blocker = blockWriter(sku);
            for (int i = 0; i < 40; i++) {
                waiting.add(post(order("held-" + UUID.randomUUID(), sku, 1)));
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> writer.waiting() == 40);
            // 41 requests are open, each waiting for the commit of its order: not one thread of the hub waits with them
            // (Camel's own platform-http consumer ran each on an executor thread parked until the commit)
            assertThat(threadsWaitingInAWebhook()).isEmpty();
            assertThat(waiting).noneMatch(CompletableFuture::isDone);
        }
        assertThat(blocker.get().statusCode()).isEqualTo(202);
        for (CompletableFuture<HttpResponse<String>> r : waiting) {
            assertThat(r.get().statusCode()).as(r.get().body()).isEqualTo(202);
            assertThat(stored(idOf(r.get()))).isEqualTo(1);
        }
    }

    @Test
    void shouldAnswer503ToEveryRequestOfABatchTheDatabaseFailsAndStoreNothingOfIt() throws Exception {
        String sku = TestData.sku(jdbc, "WH-NJ1", 500);
        String poison = "poison-" + UUID.randomUUID();
        String poisonId = OrderIds.of("web", poison);
        // a real statement failure in the middle of the batch: the orders are inserted, then a line of one of them
        // fails as a serialization failure would
        jdbc.getJdbcTemplate().execute("""
                create or replace function fail_poison_line() returns trigger language plpgsql as $$
                begin
                    if new.order_id = '%s' then
                        raise exception 'test: the database fails this batch' using errcode = '40001';
                    end if;
                    return new;
                end;
                $$""".formatted(poisonId));
        jdbc.getJdbcTemplate().execute("create trigger fail_poison_line before insert on order_line for each row execute function fail_poison_line()");
        Map<String, CompletableFuture<HttpResponse<String>>> batch = new LinkedHashMap<>();
        CompletableFuture<HttpResponse<String>> blocker;
        try {
            try (OrdersLock lock = new OrdersLock()) {
                blocker = blockWriter(sku);
                batch.put(poison, post(order(poison, sku, 1)));
                for (int i = 0; i < 12; i++) {
                    String cid = "victim-" + UUID.randomUUID();
                    batch.put(cid, post(order(cid, sku, 1)));
                }
                await().atMost(Duration.ofSeconds(30)).until(() -> writer.waiting() == batch.size());
            }
            assertThat(blocker.get().statusCode()).isEqualTo(202);
            for (Map.Entry<String, CompletableFuture<HttpResponse<String>>> e : batch.entrySet()) {
                HttpResponse<String> r = e.getValue().get();
                String id = OrderIds.of("web", e.getKey());
                assertThat(r.statusCode()).as(e.getKey() + ": " + r.body()).isEqualTo(503);
                assertThat(r.headers().firstValue("Retry-After")).isPresent();
                assertThat(stored(id)).as("nothing half-stored").isZero();
                assertThat(count("select count(*) from order_line where order_id = :id", id)).isZero();
                assertThat(count("select count(*) from order_event where order_id = :id", id)).isZero();
                assertThat(count("select count(*) from outbox where msg_key = :id", id)).isZero();
            }
        } finally {
            jdbc.getJdbcTemplate().execute("drop trigger if exists fail_poison_line on order_line");
            jdbc.getJdbcTemplate().execute("drop function if exists fail_poison_line()");
        }
        // the channel sends again, as a 503 asks it to: now they are stored
        for (String cid : batch.keySet()) {
            HttpResponse<String> r = Signed.storefront(url(), SECRET, order(cid, sku, 1));
            assertThat(r.statusCode()).isEqualTo(202);
            assertThat(stored(OrderIds.of("web", cid))).isEqualTo(1);
        }
    }
}
