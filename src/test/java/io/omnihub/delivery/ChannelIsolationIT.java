package io.omnihub.delivery;

import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.stubbing.StubMapping;
import io.omnihub.support.HubIntegrationTest;
import io.omnihub.support.TestData;
import io.omnihub.sync.SyncTestSupport;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.put;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A channel that answers slowly, times out or answers 500 does not slow the other channels: with every one of the
 * marketplace's delivery slots held by the bad channel, the web storefront receives each new figure while the
 * marketplace has not taken a single one, and once the marketplace behaves again it gets the true figures too.
 * Timing is asserted by order (the healthy channel is done while the bad one is not), not by absolute bounds.
 */
class ChannelIsolationIT extends HubIntegrationTest {

    /** More skus than the marketplace's concurrency limit (4), so its slots are all taken by the bad calls. */
    static final int SKUS = 6;

    @Test
    void aChannelThatAnswersSlowlyDoesNotSlowTheOthers() {
        isolatedFrom(aResponse().withStatus(200).withBody("{\"ok\":true}").withFixedDelay(5_000));
    }

    @Test
    void aChannelThatTimesOutDoesNotSlowTheOthers() {
        // longer than the sink's 10 s response timeout: the marketplace's calls time out and are retried
        isolatedFrom(aResponse().withStatus(200).withBody("{\"ok\":true}").withFixedDelay(12_000));
    }

    @Test
    void aChannelThatAnswers500DoesNotSlowTheOthers() {
        isolatedFrom(aResponse().withStatus(500).withBody("internal error"));
    }

    void isolatedFrom(ResponseDefinitionBuilder marketplaceAnswer) {
        List<String> skus = new ArrayList<>();
        for (int i = 0; i < SKUS; i++) {
            skus.add(TestData.sku(jdbc, "WH-NJ1", 20 + i));
        }
        StubMapping bad = ChannelStubs.server().stubFor(put(urlPathMatching("/marketplace/inventory/(" + String.join("|", skus) + ")"))
                .atPriority(1).willReturn(marketplaceAnswer));
        try {
            for (String sku : skus) {
                SyncTestSupport.stockEvent(kafkaBrokers, "ADJUSTMENT", "WH-NJ1", sku, 1, "recount");
            }
            // the web storefront gets every new figure ...
            await().atMost(Duration.ofSeconds(30)).until(() -> skus.stream().allMatch(sku ->
                    Integer.valueOf(21 + skus.indexOf(sku)).equals(SyncTestSupport.lastAvailable(SyncTestSupport.webFigures(sku)))));
            // ... while the marketplace, whose calls were claimed at the same time, has delivered none of them
            assertThat(delivered("marketplace", skus)).as("marketplace figures delivered before the web ones").isZero();
            assertThat(jdbc.queryForObject("""
                    select count(*) from delivery where channel = 'marketplace' and ordering_key in (:skus) and status = 'PENDING'""",
                    new MapSqlParameterSource("skus", skus), Integer.class)).as("the marketplace's figures wait").isPositive();
        } finally {
            ChannelStubs.server().removeStub(bad);
        }
        // the marketplace, behaving again, converges to the true figures (90% less 2 units)
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            assertThat(jdbc.queryForObject("""
                    select count(*) from delivery where channel = 'marketplace' and ordering_key in (:skus) and status = 'PENDING'""",
                    new MapSqlParameterSource("skus", skus), Integer.class)).isZero();
            for (String sku : skus) {
                assertThat(SyncTestSupport.lastAvailable(SyncTestSupport.marketplaceFigures(sku))).as(sku)
                        .isEqualTo((21 + skus.indexOf(sku)) * 90 / 100 - 2);
            }
        });
        assertThat(jdbc.queryForList("""
                select distinct on (ordering_key) status from delivery where channel = 'marketplace' and ordering_key in (:skus)
                order by ordering_key, id desc""", new MapSqlParameterSource("skus", skus), String.class))
                .as("each sku's newest marketplace figure is delivered").containsOnly("DELIVERED");
    }

    int delivered(String channel, List<String> skus) {
        return jdbc.queryForObject("""
                select count(*) from delivery where channel = :channel and ordering_key in (:skus) and status = 'DELIVERED'""",
                new MapSqlParameterSource("channel", channel).addValue("skus", skus), Integer.class);
    }
}
