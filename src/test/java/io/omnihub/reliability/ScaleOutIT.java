package io.omnihub.reliability;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import io.omnihub.support.HubProcess;
import io.omnihub.support.SftpPeer;
import io.omnihub.support.Signed;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Two hub instances sharing one PostgreSQL, one Kafka and one SFTP server, each its own process: the second
 * starts nothing embedded. Work is shared and nothing happens twice: an order posted to both is stored once, orders
 * for one hot sku posted to both at once are routed once each and never oversell it, each SFTP file is processed by
 * one instance, once, the marketplace is polled by one instance at a time, and the outbox is relayed by one instance
 * at a time, each row once. And the second instance really does its share: it consumes partitions and routes orders,
 * processes files, relays the outbox and polls the marketplace when the lease comes to it.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ScaleOutIT {

    static HubProcess first;
    static HubProcess second;
    static NamedParameterJdbcTemplate db;

    /** The marketplace order API both instances poll: every answer takes a while, so two polls at once would overlap. */
    static WireMockServer marketplace;

    @BeforeAll
    static void startTwoInstances() throws Exception {
        marketplace = new WireMockServer(WireMockConfiguration.options().dynamicPort()
                .usingFilesUnderDirectory(Files.createTempDirectory("scale-marketplace").toString()));
        marketplace.start();
        marketplace.stubFor(get(urlPathEqualTo("/v1/orders")).willReturn(aResponse().withFixedDelay(150)
                .withHeader("Content-Type", "application/json").withBody("{\"orders\": []}")));
        String[] polling = {
                "--omnihub.channels.marketplace.poll-enabled=true",
                "--omnihub.channels.marketplace.api-url=http://localhost:" + marketplace.port() + "/v1",
                "--omnihub.channels.marketplace.poll-interval-ms=100",
                // each relay pass says what it published and when it held the relay lock
                "--logging.level.io.omnihub.outbox.KafkaOutboxRelay=DEBUG"};
        first = HubProcess.embedded("scale-a", polling).start();
        second = HubProcess.sharing("scale-b", first, polling).start();
        db = new NamedParameterJdbcTemplate(new DriverManagerDataSource(first.jdbcUrl(), "postgres", "postgres"));
    }

    @AfterAll
    static void stop() throws Exception {
        if (marketplace != null) {
            marketplace.stop();
        }
        if (second != null) {
            second.close();
        }
        if (first != null) {
            first.close();
        }
    }

    static String order(String id) {
        return """
                {"id": "%s", "created_at": "2026-11-25T10:15:00Z", "currency": "USD",
                 "shipping_address": {"address1": "1 Main St", "city": "Hoboken", "zip": "07030", "country_code": "US",
                                      "latitude": 40.744, "longitude": -74.032},
                 "line_items": [{"sku": "SKU-1010", "quantity": 1, "price": "10.00"}]}
                """.formatted(id);
    }

    @Test
    void theSameOrderPostedToBothInstancesAtOnceIsStoredOnce() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        List<Future<HttpResponse<String>>> answers = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            String body = order("scale-dup-" + i);
            for (HubProcess hub : List.of(first, second)) {
                answers.add(pool.submit((Callable<HttpResponse<String>>) () ->
                        Signed.storefront(hub.baseUrl() + "/webhooks/web/orders", "web-demo-secret", body)));
            }
        }
        int accepted = 0;
        int duplicates = 0;
        for (Future<HttpResponse<String>> f : answers) {
            int status = f.get().statusCode();
            assertThat(status).isIn(200, 202);
            if (status == 202) {
                accepted++;
            } else {
                duplicates++;
            }
        }
        pool.shutdown();
        assertThat(accepted).as("exactly one instance accepted each order").isEqualTo(40);
        assertThat(duplicates).isEqualTo(40);
        assertThat(db.queryForObject("select count(*) from orders where channel_order_id like 'scale-dup-%'",
                new MapSqlParameterSource(), Integer.class)).isEqualTo(40);
        assertThat(db.queryForObject("select count(*) from outbox where topic = 'omnihub.orders.v1' and msg_key in "
                        + "(select id from orders where channel_order_id like 'scale-dup-%')",
                new MapSqlParameterSource(), Integer.class)).isEqualTo(40);
    }

    static HttpResponse<String> api(HubProcess hub, String method, String path, String body) {
        java.net.http.HttpRequest.Builder b = java.net.http.HttpRequest.newBuilder(java.net.URI.create(hub.baseUrl() + path))
                .header("Authorization", "Basic " + java.util.Base64.getEncoder().encodeToString("operator:operator".getBytes()))
                .header("Content-Type", "application/json");
        b.method(method, body == null ? java.net.http.HttpRequest.BodyPublishers.noBody() : java.net.http.HttpRequest.BodyPublishers.ofString(body));
        return Signed.post(b.build());
    }

    @Test
    @Order(Integer.MAX_VALUE) // last: the drop-ship-only policy it activates would route the other tests' orders
    void aPolicyActivatedThroughOneInstanceRoutesTheNextOrderOnBoth() throws Exception {
        com.fasterxml.jackson.databind.ObjectMapper mapper = new com.fasterxml.jackson.databind.ObjectMapper();
        com.fasterxml.jackson.databind.node.ObjectNode policy = (com.fasterxml.jackson.databind.node.ObjectNode)
                mapper.readTree(api(first, "GET", "/api/routing/policies/1", null).body()).get("policy");
        policy.remove("version");
        com.fasterxml.jackson.databind.node.ArrayNode rules = ((com.fasterxml.jackson.databind.node.ObjectNode) policy.get("rules"))
                .putArray("SHIP_TO_HOME");
        rules.addObject().put("name", "drop-ship only").put("source", "DROPSHIP");
        HttpResponse<String> created = api(first, "POST", "/api/routing/policies",
                mapper.createObjectNode().<com.fasterxml.jackson.databind.node.ObjectNode>set("document", policy).put("comment", "scale-out").toString());
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        int version = mapper.readTree(created.body()).get("version").asInt();
        assertThat(api(first, "POST", "/api/routing/policies/" + version + "/activate", null).statusCode()).isEqualTo(200);

        // instance B, never told: its very next decision uses the new version
        String canonical = """
                {"order": {"channel": "web", "channelOrderId": "td", "fulfillmentType": "SHIP_TO_HOME", "currency": "USD",
                 "shipTo": {"city": "Hoboken", "country": "US", "latitude": 40.744, "longitude": -74.032},
                 "lines": [{"lineNo": 1, "sku": "SKU-1030", "quantity": 1}]}}""";
        HttpResponse<String> drive = api(second, "POST", "/api/routing/test-drive", canonical);
        assertThat(drive.statusCode()).as(drive.body()).isEqualTo(200);
        assertThat(mapper.readTree(drive.body()).get("policyVersion").asText()).isEqualTo(String.valueOf(version));

        // (drop-ship partner stock: SKU-1030 is one of the demo skus it carries)
        // live orders posted to both instances are routed (by whichever instance consumes them) with the new version
        for (int i = 0; i < 6; i++) {
            HubProcess hub = i % 2 == 0 ? first : second;
            assertThat(Signed.storefront(hub.baseUrl() + "/webhooks/web/orders", "web-demo-secret", order("scale-policy-" + i).replace("SKU-1010", "SKU-1030"))
                    .statusCode()).isEqualTo(202);
        }
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(60)).until(() -> db.queryForObject(
                "select count(*) from orders where channel_order_id like 'scale-policy-%' and decision is not null",
                new MapSqlParameterSource(), Integer.class) == 6);
        assertThat(db.queryForList("select distinct decision->>'policyVersion' from orders where channel_order_id like 'scale-policy-%'",
                new MapSqlParameterSource(), String.class)).containsExactly(String.valueOf(version));
        assertThat(db.queryForList("select distinct s->>'nodeId' from orders o, jsonb_array_elements(o.decision->'shipments') s "
                + "where o.channel_order_id like 'scale-policy-%'", new MapSqlParameterSource(), String.class))
                .allMatch(node -> node.equals("DS-ACME"));
    }

    /** A fresh sku with {@code onHand} units at WH-NJ1, seeded with its ledger entry as the demo data is. */
    static String sku(int onHand) {
        String sku = "SCALE-" + java.util.UUID.randomUUID().toString().substring(0, 8).toUpperCase();
        MapSqlParameterSource p = new MapSqlParameterSource("sku", sku).addValue("q", onHand);
        db.update("insert into item (sku, name, unit_price) values (:sku, :sku, 10.00)", p);
        db.update("insert into stock (node_id, sku, on_hand) values ('WH-NJ1', :sku, :q)", p);
        db.update("""
                insert into ledger_entry (node_id, sku, kind, on_hand_delta, on_hand_after, reserved_after, reason)
                values ('WH-NJ1', :sku, 'SNAPSHOT', :q, :q, 0, 'test seed')""", p);
        return sku;
    }

    @Test
    void ordersForOneHotSkuSpreadOverBothInstancesAreRoutedOnceAndNeverOversellIt() throws Exception {
        String sku = sku(12);
        int orders = 40;
        ExecutorService pool = Executors.newFixedThreadPool(8);
        List<Future<HttpResponse<String>>> answers = new ArrayList<>();
        for (int i = 0; i < orders; i++) {
            HubProcess hub = i % 2 == 0 ? first : second;
            String body = order("scale-hot-" + i).replace("SKU-1010", sku);
            answers.add(pool.submit((Callable<HttpResponse<String>>) () ->
                    Signed.storefront(hub.baseUrl() + "/webhooks/web/orders", "web-demo-secret", body)));
        }
        for (Future<HttpResponse<String>> f : answers) {
            assertThat(f.get().statusCode()).isEqualTo(202);
        }
        pool.shutdown();
        MapSqlParameterSource hot = new MapSqlParameterSource("sku", sku);
        await().atMost(Duration.ofSeconds(90)).until(() -> db.queryForObject(
                "select count(*) from orders where channel_order_id like 'scale-hot-%' and status in ('ROUTED', 'UNFULFILLABLE')",
                hot, Integer.class) == orders);

        Map<String, Object> stock = db.queryForMap("""
                select s.on_hand, s.reserved, coalesce(s.safety_stock, n.safety_stock) as safety
                from stock s join node n on n.id = s.node_id where s.node_id = 'WH-NJ1' and s.sku = :sku""", hot);
        int routed = db.queryForObject("select count(*) from orders where channel_order_id like 'scale-hot-%' and status = 'ROUTED'",
                hot, Integer.class);
        int reserved = ((Number) stock.get("reserved")).intValue();
        int onHand = ((Number) stock.get("on_hand")).intValue();
        int safety = ((Number) stock.get("safety")).intValue();
        assertThat(routed).as("every unit that may be sold is sold").isEqualTo(onHand - safety);
        assertThat(reserved).as("one reservation per routed order, none doubled").isEqualTo(routed);
        assertThat(onHand - reserved).as("never oversold").isGreaterThanOrEqualTo(safety);
        assertThat(db.queryForObject("select count(*) from reservation where sku = :sku and status = 'ACTIVE'", hot, Integer.class))
                .isEqualTo(routed);
        assertThat(db.queryForList("""
                select msg_key from outbox where topic = 'omnihub.order-status.v1' and payload->>'status' = 'ROUTED'
                and msg_key in (select id from orders where channel_order_id like 'scale-hot-%')
                group by msg_key having count(*) > 1""", hot, String.class)).as("orders routed twice").isEmpty();
        LedgerConsistency.assertConsistent(db);
    }

    @Test
    void eachSftpFileIsProcessedByOneInstanceOnce() throws Exception {
        String sku = sku(10);
        List<String> names = new ArrayList<>();
        try (SftpPeer wms = SftpPeer.login("127.0.0.1", first.sftpPort, "wms", "wms-secret")) {
            for (int i = 0; i < 4; i++) {
                names.add(uploadStockFile(wms, sku, i));
            }
            // the second instance does its share: more files, one at a time, until each instance has processed one
            await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofSeconds(2)).until(() -> {
                if (processedAny(first, names) && processedAny(second, names)) {
                    return true;
                }
                names.add(uploadStockFile(wms, sku, names.size()));
                return false;
            });
            await().atMost(Duration.ofSeconds(90)).until(() -> names.stream().allMatch(n -> wms.exists("inbound/stock/" + n + ".result.csv")));
            for (String name : names) {
                assertThat(wms.read("inbound/stock/" + name + ".result.csv").lines()).containsExactly("row,status,reason", "1,accepted,", "2,accepted,");
            }
        }
        int files = names.size();
        MapSqlParameterSource params = new MapSqlParameterSource("sku", sku);
        await().atMost(Duration.ofSeconds(60)).until(() -> db.queryForObject(
                "select on_hand from stock where node_id = 'WH-NJ1' and sku = :sku", params, Integer.class) == 10 + 3 * files);
        assertThat(db.queryForObject("select count(*) from ledger_entry where sku = :sku and kind = 'ADJUSTMENT'", params, Integer.class))
                .as("each row applied once").isEqualTo(2 * files);

        // each file was read and reported by exactly one instance, once
        String logs = first.output() + second.output();
        for (String name : names) {
            Matcher processed = Pattern.compile("file " + Pattern.quote(name) + " processed:").matcher(logs);
            int times = 0;
            while (processed.find()) {
                times++;
            }
            assertThat(times).as("times " + name + " was processed").isEqualTo(1);
        }
        assertThat(processedAny(first, names)).as("the first instance processed a file").isTrue();
        assertThat(processedAny(second, names)).as("the second instance processed a file").isTrue();
    }

    static String uploadStockFile(SftpPeer wms, String sku, int i) throws Exception {
        String name = "scale-" + sku + "-" + i + ".csv";
        wms.upload("inbound/stock/" + name, "record_type,warehouse,sku,quantity,reason\nADJUSTMENT,WH-NJ1," + sku
                + ",1,recount\nADJUSTMENT,WH-NJ1," + sku + ",2,recount\n");
        return name;
    }

    /** Whether {@code hub} logged one of the files {@code names} as processed. */
    static boolean processedAny(HubProcess hub, List<String> names) throws Exception {
        String log = hub.output();
        return names.stream().anyMatch(n -> log.contains("file " + n + " processed:"));
    }

    @Test
    void theMarketplaceIsPolledByOneInstanceAtATime() {
        // both instances tick every 100 ms; each poll answer takes 150 ms: two pollers would overlap at once
        await().atMost(Duration.ofSeconds(60)).until(() -> marketplace.findAll(getRequestedFor(urlPathEqualTo("/v1/orders"))).size() >= 15);
        List<long[]> spans = marketplace.getAllServeEvents().stream()
                .filter(e -> e.getRequest().getUrl().startsWith("/v1/orders"))
                .map(e -> new long[] {e.getRequest().getLoggedDate().getTime(),
                        e.getRequest().getLoggedDate().getTime() + 150})
                .sorted((a, b) -> Long.compare(a[0], b[0]))
                .toList();
        for (int i = 1; i < spans.size(); i++) {
            assertThat(spans.get(i)[0]).as("poll %d started before poll %d had its answer", i, i - 1)
                    .isGreaterThanOrEqualTo(spans.get(i - 1)[1] - 5);
        }
        List<String> owners = db.queryForList("select lease_owner from marketplace_cursor", new MapSqlParameterSource(), String.class);
        assertThat(owners).as("one lease holder per marketplace").hasSize(1).doesNotContainNull();

        // the other instance polls too, when the lease comes to it: the holder's lease runs out (as when it stops
        // renewing it) until the other instance has taken it
        String holder = owners.get(0);
        MapSqlParameterSource p = new MapSqlParameterSource("holder", holder);
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500)).until(() -> {
            db.update("update marketplace_cursor set lease_until = now() - interval '1 second' where lease_owner = :holder", p);
            String now = db.queryForObject("select lease_owner from marketplace_cursor", p, String.class);
            return now != null && !now.equals(holder);
        });
        String taker = db.queryForObject("select lease_owner from marketplace_cursor", p, String.class);
        int polledBefore = marketplace.findAll(getRequestedFor(urlPathEqualTo("/v1/orders"))).size();
        await().atMost(Duration.ofSeconds(30)).until(() -> marketplace.findAll(getRequestedFor(urlPathEqualTo("/v1/orders"))).size()
                >= polledBefore + 5);
        assertThat(db.queryForObject("select lease_owner from marketplace_cursor", p, String.class))
                .as("the instance that took the lease keeps it and polls").isEqualTo(taker);
    }

    /** Every sample of {@code metric} (any tags) that {@code hub} exposes, summed; 0 when it has none yet. */
    static double metric(HubProcess hub, String metric) {
        HttpResponse<String> scrape = api(hub, "GET", "/actuator/prometheus", null);
        assertThat(scrape.statusCode()).isEqualTo(200);
        return scrape.body().lines().filter(l -> l.startsWith(metric + "{") || l.startsWith(metric + " "))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }

    @Test
    void bothInstancesConsumeOrderPartitionsAndRouteOrders() throws Exception {
        String sku = sku(100);
        double routedByFirst = metric(first, "omnihub_routing_orders_routed_total");
        double routedBySecond = metric(second, "omnihub_routing_orders_routed_total");
        int orders = 24;
        for (int i = 0; i < orders; i++) {
            HubProcess hub = i % 2 == 0 ? first : second;
            assertThat(Signed.storefront(hub.baseUrl() + "/webhooks/web/orders", "web-demo-secret",
                    order("scale-share-" + i).replace("SKU-1010", sku)).statusCode()).isEqualTo(202);
        }
        await().atMost(Duration.ofSeconds(90)).until(() -> db.queryForObject(
                "select count(*) from orders where channel_order_id like 'scale-share-%' and status = 'ROUTED'",
                new MapSqlParameterSource(), Integer.class) == orders);

        // each instance's consumers are in the group with partitions of their own (6 partitions; each instance runs
        // omnihub.fulfillment.routing-consumers = 2 consumer threads, so 4 members, each with partitions)
        try (org.apache.kafka.clients.admin.Admin admin = org.apache.kafka.clients.admin.Admin.create(
                Map.of(org.apache.kafka.clients.admin.AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, first.kafkaBrokers()))) {
            var group = admin.describeConsumerGroups(List.of("omnihub-order-routing")).all().get().get("omnihub-order-routing");
            assertThat(group.members()).as("two order-routing consumers per instance").hasSize(4);
            assertThat(group.members()).allSatisfy(m -> assertThat(m.assignment().topicPartitions())
                    .as("partitions of omnihub.orders.v1 assigned to " + m.consumerId()).isNotEmpty());
        }
        // and each routed some of these orders (24 order ids over 6 partitions: both halves get some)
        assertThat(metric(first, "omnihub_routing_orders_routed_total")).as("orders routed by the first instance")
                .isGreaterThan(routedByFirst);
        assertThat(metric(second, "omnihub_routing_orders_routed_total")).as("orders routed by the second instance")
                .isGreaterThan(routedBySecond);
    }

    /** One relay pass as the hub logs it: rows {@code from..to}, the relay lock held from {@code lockedAt} to at least {@code until}. */
    record RelayPass(String instance, long from, long to, long lockedAt, long until) {
    }

    static final Pattern RELAY_PASS = Pattern.compile(
            "Relayed outbox rows (\\d+)\\.\\.(\\d+) \\((\\d+) rows\\) holding the relay lock from (\\d+) to (\\d+)");

    static List<RelayPass> relayPasses(HubProcess hub, String instance, long since) throws Exception {
        List<RelayPass> passes = new ArrayList<>();
        Matcher m = RELAY_PASS.matcher(hub.output());
        while (m.find()) {
            RelayPass pass = new RelayPass(instance, Long.parseLong(m.group(1)), Long.parseLong(m.group(2)),
                    Long.parseLong(m.group(4)), Long.parseLong(m.group(5)));
            if (pass.lockedAt() >= since) {
                passes.add(pass);
            }
        }
        return passes;
    }

    /** The relay's "could not publish" warnings in {@code hub}'s log (for a failure's message). */
    static List<String> relayWarnings(HubProcess hub) throws Exception {
        return hub.output().lines().filter(l -> l.contains("Outbox relay could not publish")).limit(5).toList();
    }

    @Test
    void theOutboxIsRelayedByOneInstanceAtATimeAndEachRowIsPublishedOnce() throws Exception {
        long since = System.currentTimeMillis();
        // orders posted to both instances at once: each intake wakes its own instance's relay right after its commit.
        // A relay keeps the lock while it has a backlog (and rows keep coming while orders are routed), so one burst
        // may be relayed by one instance alone. Then the next burst goes to the instance whose relay has not published
        // yet, once the whole outbox is relayed (the relay that has the lock gives it back when it has caught up): its
        // commits wake its own relay at once, the other relay looks only every relay-interval-ms. Bursts follow each
        // other (a few at most) until both relays have published, so that the check below that they never overlapped
        // is about two relays, not one.
        List<String> orderIds = new ArrayList<>();
        com.fasterxml.jackson.databind.ObjectMapper mapper = new com.fasterxml.jackson.databind.ObjectMapper();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            for (int round = 0; round < 6; round++) {
                List<HubProcess> targets = List.of(first, second);
                if (round > 0) {
                    targets = List.of(relayPasses(first, "first", since).isEmpty() ? first : second);
                    await().atMost(Duration.ofSeconds(60)).until(() -> db.queryForObject(
                            "select count(*) from outbox where kind = 'KAFKA' and processed_at is null",
                            new MapSqlParameterSource(), Integer.class) == 0);
                }
                List<Future<HttpResponse<String>>> answers = new ArrayList<>();
                for (int i = 0; i < 40; i++) {
                    HubProcess hub = targets.get(i % targets.size());
                    String body = order("scale-relay-" + round + "-" + i);
                    answers.add(pool.submit((Callable<HttpResponse<String>>) () ->
                            Signed.storefront(hub.baseUrl() + "/webhooks/web/orders", "web-demo-secret", body)));
                }
                for (Future<HttpResponse<String>> f : answers) {
                    HttpResponse<String> r = f.get();
                    assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
                    orderIds.add(mapper.readTree(r.body()).get("orderId").asText());
                }
                MapSqlParameterSource sent = new MapSqlParameterSource("ids", orderIds);
                await().atMost(Duration.ofSeconds(60)).until(() -> db.queryForObject("""
                        select count(*) from outbox where topic = 'omnihub.orders.v1' and msg_key in (:ids) and processed_at is not null""",
                        sent, Integer.class) == orderIds.size());
                if (!relayPasses(first, "first", since).isEmpty() && !relayPasses(second, "second", since).isEmpty()) {
                    break;
                }
            }
        } finally {
            pool.shutdown();
        }
        MapSqlParameterSource ids = new MapSqlParameterSource("ids", orderIds);
        await().atMost(Duration.ofSeconds(60)).until(() -> db.queryForObject("""
                select count(*) from outbox where topic = 'omnihub.orders.v1' and msg_key in (:ids) and processed_at is not null""",
                ids, Integer.class) == orderIds.size());

        // each outbox row is on the topic exactly once
        List<Map<String, Object>> rows = db.queryForList(
                "select id, msg_key, payload::text as payload from outbox where topic = 'omnihub.orders.v1' and msg_key in (:ids)", ids);
        assertThat(rows).as("one outbox row per order").hasSize(orderIds.size());
        java.util.Set<String> keys = new java.util.HashSet<>(orderIds);
        List<org.apache.kafka.clients.consumer.ConsumerRecord<String, String>> records = io.omnihub.support.KafkaProbe.records(
                first.kafkaBrokers(), "omnihub.orders.v1", r -> keys.contains(r.key()), Duration.ofSeconds(30));
        for (Map<String, Object> row : rows) {
            long published = records.stream()
                    .filter(r -> r.key().equals(row.get("msg_key")) && r.value().equals(row.get("payload"))).count();
            assertThat(published).as("times outbox row %s was published", row.get("id")).isEqualTo(1);
        }
        assertThat(records).as("nothing else on the topic for these orders").hasSize(rows.size());

        // both relays were active, and never at the same time
        List<RelayPass> passes = new ArrayList<>(relayPasses(first, "first", since));
        List<RelayPass> bySecond = relayPasses(second, "second", since);
        String seen = ("passes since the test began: first %d, second %d; ever: first %d, second %d; "
                + "relay warnings: first %s, second %s").formatted(passes.size(), bySecond.size(),
                relayPasses(first, "first", 0).size(), relayPasses(second, "second", 0).size(),
                relayWarnings(first), relayWarnings(second));
        assertThat(passes).as("passes of the first instance's relay (%s)", seen).isNotEmpty();
        assertThat(bySecond).as("passes of the second instance's relay (%s)", seen).isNotEmpty();
        passes.addAll(bySecond);
        passes.sort(java.util.Comparator.comparingLong(RelayPass::lockedAt));
        long lockFreeFrom = 0;
        RelayPass previous = null;
        for (RelayPass pass : passes) {
            // batches marked under one hold of the lock (same instance, same time taken) are one hold, not an overlap
            boolean sameHold = previous != null && previous.instance().equals(pass.instance())
                    && previous.lockedAt() == pass.lockedAt();
            if (!sameHold) {
                assertThat(pass.lockedAt()).as("%s relayed while %s still held the relay lock", pass, previous)
                        .isGreaterThanOrEqualTo(lockFreeFrom);
            }
            if (pass.until() >= lockFreeFrom) {
                lockFreeFrom = pass.until();
                previous = pass;
            }
        }
    }
}
