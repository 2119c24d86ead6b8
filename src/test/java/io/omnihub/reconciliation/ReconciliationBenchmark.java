package io.omnihub.reconciliation;

import io.omnihub.delivery.MarketplaceInventory;
import io.omnihub.support.HubIntegrationTest;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Reconciliation of 100,000 skus against the marketplace stub, next to the read-back alone (the same pages, no
 * comparison). Not part of the build (surefire excludes *Benchmark*):
 * {@code mvn -o test -Dtest=ReconciliationBenchmark -Dsurefire.failIfNoSpecifiedTests=false}; run it in a JVM of its
 * own, since a whole-catalogue run compares every figure of the test database.
 */
class ReconciliationBenchmark extends HubIntegrationTest {

    static final int SKUS = 100_000;

    @Autowired
    ChannelReadBack readBack;
    @Autowired
    ReconciliationRuns runs;
    @Autowired
    Reconciliations reconciliations;
    @Autowired
    ReconciliationProperties props;

    @Test
    void reconcileOneHundredThousandSkus() {
        String prefix = "BR-" + UUID.randomUUID().toString().substring(0, 8).toUpperCase() + "-";
        MapSqlParameterSource p = new MapSqlParameterSource("prefix", prefix).addValue("n", SKUS);
        jdbc.update("insert into ats_state (channel, sku, available, sequence) select 'marketplace', :prefix || lpad(i::text, 6, '0'), "
                + "i % 50, 1 from generate_series(1, :n) i", p);
        Map<String, Integer> shown = new HashMap<>();
        for (int i = 1; i <= SKUS; i++) {
            // one in a thousand drifted
            shown.put(prefix + String.format("%06d", i), i % 1000 == 0 ? i % 50 + 1 : i % 50);
        }
        MarketplaceInventory.set(shown);
        jdbc.getJdbcTemplate().execute("analyze ats_state");

        // warm-up: one read-back of the whole catalogue, then the measured read-back alone
        readAll();
        long t0 = System.nanoTime();
        int read = readAll();
        long readBackMs = (System.nanoTime() - t0) / 1_000_000;

        long t1 = System.nanoTime();
        long id = runs.start("marketplace", null, true, "BENCHMARK");
        await().atMost(Duration.ofMinutes(10)).pollInterval(Duration.ofMillis(200)).until(() ->
                reconciliations.find(id).orElseThrow().status() == Reconciliations.Status.COMPLETED
                        || reconciliations.find(id).orElseThrow().status() == Reconciliations.Status.FAILED);
        long runMs = (System.nanoTime() - t1) / 1_000_000;
        Reconciliations.Run run = reconciliations.find(id).orElseThrow();
        System.out.printf("RECONCILIATION BENCHMARK: %d skus, pages of %d: read-back alone %d ms (%d skus); "
                        + "reconciliation (report-only) %d ms, %d pages, %d drifts, status %s%n",
                SKUS, props.pageSize(), readBackMs, read, runMs, run.pages(), run.drifts(), run.status());
        assertThat(run.status()).isEqualTo(Reconciliations.Status.COMPLETED);
        assertThat(run.drifts()).isGreaterThanOrEqualTo(SKUS / 1000);
    }

    private int readAll() {
        int read = 0;
        String cursor = null;
        do {
            ChannelReadBack.Page page = readBack.read("direct:channel-marketplace-inventory", "marketplace", cursor, props.pageSize(), 1000);
            read += page.items().size();
            cursor = page.next();
        } while (cursor != null);
        return read;
    }
}
