package io.omnihub.delivery;

import io.omnihub.channels.ChannelSink;
import io.omnihub.channels.SinkType;
import io.omnihub.support.HubIntegrationTest;
import org.apache.camel.CamelContext;
import org.apache.camel.builder.RouteBuilder;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;

import java.time.Clock;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A pump that claims ahead stops sending at the first failed call until it has recorded it: a sink that refuses at
 * once (it answers before the send returns) is not handed every row waiting in a row, each an attempt spent, before
 * the circuit breaker hears of the first failure. And a row that waits for a slot longer than half its lease goes
 * back rather than out on a lease about to run out.
 */
class ChannelPumpIT extends HubIntegrationTest {

    @Autowired
    Deliveries deliveries;

    @Autowired
    DeliveryProperties props;

    @Autowired
    DeliveryMetrics metrics;

    @Autowired
    CamelContext camel;

    @Test
    void aSinkThatRefusesAtOnceGetsOneCallARoundUntilTheBreakerOpens() throws Exception {
        // a channel of its own, with a sink route that fails every call synchronously and counts them
        String channel = "refusing-" + UUID.randomUUID();
        String route = "direct:" + channel;
        AtomicInteger calls = new AtomicInteger();
        camel.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                from(route).routeId(channel).process(exchange -> {
                    calls.incrementAndGet();
                    throw new IllegalStateException("refused");
                });
            }
        });
        for (int i = 0; i < 24; i++) {
            jdbc.update("""
                    insert into delivery (channel, kind, dedupe_key, ordering_key, payload, status, sequence)
                    values (:c, 'ATS', :k, :k, cast('{}' as jsonb), 'PENDING', 1)""",
                    new MapSqlParameterSource("c", channel).addValue("k", "SKU-" + i));
        }
        // five failures open it, for longer than the test: once open, nothing more is claimed
        CircuitBreaker breaker = new CircuitBreaker(5, Duration.ofHours(1), Clock.systemUTC());
        ExecutorService senders = Executors.newCachedThreadPool();
        ChannelPump pump = new ChannelPump(channel, new ChannelSink(SinkType.WEBHOOK, route, 4, false),
                camel.getEndpoint(route), deliveries, props, metrics, new Backoff(60_000, 60_000, bound -> 0), breaker,
                Clock.systemUTC(), senders);
        try {
            pump.start();
            pump.wake();
            await().atMost(Duration.ofSeconds(20)).until(() -> breaker.state() == CircuitBreaker.State.OPEN);
        } finally {
            pump.stop();
            senders.shutdown();
            camel.getRouteController().stopRoute(channel);
            camel.removeRoute(channel);
        }
        // a row sent for each failure the breaker counted; the rows claimed ahead went back with their attempt
        assertThat(calls.get()).as("calls the sink saw").isEqualTo(5);
        assertThat(jdbc.queryForObject("select sum(attempts) from delivery where channel = :c",
                new MapSqlParameterSource("c", channel), Integer.class)).as("attempts counted").isEqualTo(5);
        assertThat(jdbc.queryForObject("select count(*) from delivery where channel = :c and status = 'PENDING'"
                        + " and (claimed_until is null or claimed_until < now())",
                new MapSqlParameterSource("c", channel), Integer.class)).as("rows left pending, unclaimed").isEqualTo(24);
        jdbc.update("delete from delivery where channel = :c", new MapSqlParameterSource("c", channel));
    }

    @Test
    void aRowWaitingForASlotGoesBackBeforeItsLeaseRunsOutAndIsNeverSentOnAnExpiredOne() throws Exception {
        // one slot, held by a call that does not answer until the test lets it; leases of 2 s
        String channel = "slow-" + UUID.randomUUID();
        String route = "direct:" + channel;
        java.util.concurrent.CountDownLatch answer = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.atomic.AtomicBoolean first = new java.util.concurrent.atomic.AtomicBoolean(true);
        java.util.concurrent.atomic.AtomicLong held = new java.util.concurrent.atomic.AtomicLong();
        java.util.List<String> sentOnExpiredLease = new java.util.concurrent.CopyOnWriteArrayList<>();
        AtomicInteger calls = new AtomicInteger();
        camel.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                // threads: the call goes on on another thread and the pump's send returns, as an HTTP call's does
                from(route).routeId(channel).threads(2).process(exchange -> {
                    String id = exchange.getMessage().getHeader(DeliveryHeaders.ID, String.class).substring("dlv_".length());
                    if (!Boolean.TRUE.equals(jdbc.queryForObject("select claimed_until > now() from delivery where id = :id",
                            new MapSqlParameterSource("id", Long.parseLong(id)), Boolean.class))) {
                        sentOnExpiredLease.add(id);
                    }
                    if (first.getAndSet(false)) {
                        held.set(Long.parseLong(id));
                        calls.incrementAndGet();
                        answer.await(30, java.util.concurrent.TimeUnit.SECONDS);
                    } else {
                        calls.incrementAndGet();
                    }
                });
            }
        });
        for (int i = 0; i < 3; i++) {
            jdbc.update("""
                    insert into delivery (channel, kind, dedupe_key, ordering_key, payload, status, sequence)
                    values (:c, 'ATS', :k, :k, cast('{}' as jsonb), 'PENDING', 1)""",
                    new MapSqlParameterSource("c", channel).addValue("k", "SKU-" + i));
        }
        DeliveryProperties shortLeases = new DeliveryProperties(props.maxAttempts(), props.baseBackoffMs(),
                props.maxBackoffMs(), 2_000L, props.breakerFailures(), props.breakerOpenMs(), props.batchSize(),
                props.pollIntervalMs());
        ExecutorService senders = Executors.newCachedThreadPool();
        ChannelPump pump = new ChannelPump(channel, new ChannelSink(SinkType.WEBHOOK, route, 1, false),
                camel.getEndpoint(route), deliveries, shortLeases, metrics, new Backoff(50, 50, bound -> 0),
                new CircuitBreaker(5, Duration.ofHours(1), Clock.systemUTC()), Clock.systemUTC(), senders);
        MapSqlParameterSource rows = new MapSqlParameterSource("c", channel);
        try {
            pump.start();
            pump.wake();
            await().atMost(Duration.ofSeconds(10)).until(() -> calls.get() == 1);
            // the rows claimed with the one in flight wait for its slot; their first leases, as the claim wrote them
            java.util.Map<Long, java.sql.Timestamp> leases = new java.util.HashMap<>();
            jdbc.query("select id, claimed_until from delivery where channel = :c and id <> :held and claimed_until is not null",
                    new MapSqlParameterSource("c", channel).addValue("held", held.get()), rs -> {
                        leases.put(rs.getLong(1), rs.getTimestamp(2));
                    });
            assertThat(leases).as("rows claimed ahead of the busy slot").isNotEmpty();
            // each goes back before its lease runs out (and is claimed again, with a new lease)
            await().atMost(Duration.ofSeconds(10)).until(() -> leases.entrySet().stream().allMatch(e -> !e.getValue().equals(
                    jdbc.queryForObject("select claimed_until from delivery where id = :id",
                            new MapSqlParameterSource("id", e.getKey()), java.sql.Timestamp.class))));
            assertThat(calls.get()).as("nothing else sent while the slot is busy").isEqualTo(1);
            answer.countDown();
            await().atMost(Duration.ofSeconds(10)).until(() -> jdbc.queryForObject(
                    "select count(*) from delivery where channel = :c and status = 'DELIVERED'", rows, Integer.class) == 3);
        } finally {
            answer.countDown();
            pump.stop();
            senders.shutdown();
            camel.getRouteController().stopRoute(channel);
            camel.removeRoute(channel);
        }
        assertThat(sentOnExpiredLease).as("rows sent after their lease ran out").isEmpty();
        jdbc.update("delete from delivery where channel = :c", rows);
    }
}
