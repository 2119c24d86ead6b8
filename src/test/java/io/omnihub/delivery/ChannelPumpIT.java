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
 * the circuit breaker hears of the first failure.
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
}
