package io.omnihub.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Locale;

/**
 * Reconciliation of 100,000 skus against the marketplace, next to the read-back alone. The hub's figures of the
 * skus are written to {@code ats_state} (as if delivered long ago) and the marketplace stub shows the same, but for
 * one sku in a thousand, changed at the marketplace. The limit is the read-back alone: the load generator pages
 * through the stub's inventory API itself, with the hub's page size, over HTTP. Then the hub reconciles the
 * whole catalogue twice through its API: report-only (read back, compare every figure with the hub's and with its
 * delivery history, record the drifts), then repairing (the same, and a corrective delivery per drift, timed until
 * the marketplace acknowledged every one). A run counts as done only when its status is COMPLETED, and the drifts
 * of the seeded skus must be exactly the seeded ones.
 */
final class ReconciliationFigure {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final HubUnderTest hub;
    private final ChannelStubServer stub;
    private final int skus = Integer.getInteger("bench.reconciliation.skus", 100_000);
    private final int pageSize = Integer.getInteger("bench.reconciliation.page-size", 500);
    private final Duration maxWait = Duration.ofSeconds(Long.getLong("bench.reconciliation.max-seconds", 600));
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    ReconciliationFigure(HubUnderTest hub, ChannelStubServer stub) {
        this.hub = hub;
        this.stub = stub;
    }

    static String sku(int i) {
        return String.format(Locale.ROOT, "BENCH-RC-%06d", i);
    }

    List<BenchRow> run() throws Exception {
        int drifted = 0;
        try (Connection c = DriverManager.getConnection(hub.jdbcUrl(), hub.dbUser(), hub.dbPassword());
             PreparedStatement insert = c.prepareStatement("""
                     insert into ats_state (channel, sku, available, sequence)
                     select 'marketplace', 'BENCH-RC-' || lpad(i::text, 6, '0'), i % 50, 1 from generate_series(1, ?) i
                     on conflict do nothing""");
             Statement analyze = c.createStatement()) {
            insert.setInt(1, skus);
            insert.executeUpdate();
            analyze.execute("analyze ats_state");
        }
        for (int i = 1; i <= skus; i++) {
            boolean drift = i % 1000 == 0;
            stub.marketplace.put(sku(i), drift ? i % 50 + 1 : i % 50);
            drifted += drift ? 1 : 0;
        }

        // the limit: the read-back alone, the same pages over HTTP, from the load generator (once to warm up)
        readAll();
        long t0 = System.nanoTime();
        int read = readAll();
        double readBackSeconds = (System.nanoTime() - t0) / 1e9;

        Result reportOnly = reconcile(true);
        Result repairing = reconcile(false);
        String hubText = String.format(Locale.ROOT,
                "report-only: %.1f s (%,d skus read, %d drifts, %d of the %d seeded); repairing: %.1f s, every corrective "
                        + "figure acknowledged by the marketplace %.1f s after the start (%d repaired)",
                reportOnly.seconds, reportOnly.skusRead, reportOnly.drifts, reportOnly.seededDrifts, drifted,
                repairing.seconds, repairing.repairedSeconds, repairing.repaired);
        if (reportOnly.seededDrifts != drifted) {
            throw new IllegalStateException("the report-only run found " + reportOnly.seededDrifts + " of the " + drifted + " seeded drifts");
        }
        return List.of(new BenchRow("Reconciliation: " + String.format(Locale.ROOT, "%,d", skus) + " skus against the marketplace",
                hubText,
                String.format(Locale.ROOT, "read-back alone %.1f s (%,d figures, pages of %d over HTTP)", readBackSeconds, read, pageSize),
                BenchRow.ratio(readBackSeconds, reportOnly.seconds),
                "a whole-catalogue run through POST /api/reconciliations; min-page-interval-ms=0 in this run (the default "
                        + "50 ms between pages, a politeness pause, would add " + (read / pageSize) * 50 / 1000 + " s); ratio = read-back alone / report-only run"));
    }

    private int readAll() throws Exception {
        int read = 0;
        String cursor = "";
        do {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + stub.port()
                    + "/marketplace/inventory?limit=" + pageSize + "&cursor=" + java.net.URLEncoder.encode(cursor, StandardCharsets.UTF_8)))
                    .GET().build(), HttpResponse.BodyHandlers.ofString());
            JsonNode page = JSON.readTree(r.body());
            read += page.path("items").size();
            cursor = page.path("next").isTextual() ? page.path("next").asText() : null;
        } while (cursor != null);
        return read;
    }

    private record Result(double seconds, int skusRead, int drifts, int seededDrifts, int repaired, double repairedSeconds) {
    }

    private Result reconcile(boolean reportOnly) throws Exception {
        long t0 = System.nanoTime();
        HttpResponse<String> started = call("POST", "/api/reconciliations",
                "{\"channel\": \"marketplace\", \"reportOnly\": " + reportOnly + "}");
        if (started.statusCode() != 202) {
            throw new IllegalStateException("POST /api/reconciliations answered " + started.statusCode() + ": " + started.body());
        }
        long id = JSON.readTree(started.body()).get("id").asLong();
        long deadline = System.currentTimeMillis() + maxWait.toMillis();
        JsonNode detail;
        while (true) {
            detail = JSON.readTree(call("GET", "/api/reconciliations/" + id + "?drifts=10000", null).body());
            String status = detail.path("run").path("status").asText();
            if (status.equals("COMPLETED")) {
                break;
            }
            if (status.equals("FAILED") || System.currentTimeMillis() > deadline) {
                throw new IllegalStateException("reconciliation " + id + " did not complete: " + detail.path("run"));
            }
            Thread.sleep(50);
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        JsonNode run = detail.path("run");
        int seeded = 0;
        for (JsonNode d : detail.path("drifts")) {
            seeded += d.path("sku").asText().startsWith("BENCH-RC-") ? 1 : 0;
        }
        double repairedSeconds = 0;
        int repaired = 0;
        if (!reportOnly) {
            while (true) {
                run = JSON.readTree(call("GET", "/api/reconciliations/" + id + "?drifts=0", null).body()).path("run");
                repaired = run.path("repaired").asInt();
                if (repaired >= run.path("drifts").asInt()) {
                    break;
                }
                if (System.currentTimeMillis() > deadline) {
                    throw new IllegalStateException("reconciliation " + id + ": " + repaired + " of " + run.path("drifts").asInt()
                            + " drifts repaired when the figure gave up");
                }
                Thread.sleep(50);
            }
            repairedSeconds = (System.nanoTime() - t0) / 1e9;
        }
        return new Result(seconds, run.path("skusRead").asInt(), run.path("drifts").asInt(), seeded, repaired, repairedSeconds);
    }

    private HttpResponse<String> call(String method, String path, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(hub.baseUrl() + path)).timeout(Duration.ofSeconds(30))
                .header("Authorization", "Basic " + Base64.getEncoder().encodeToString(
                        (hub.operatorUser() + ":" + hub.operatorPassword()).getBytes(StandardCharsets.UTF_8)))
                .header("Content-Type", "application/json");
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }
}
