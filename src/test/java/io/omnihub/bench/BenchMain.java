package io.omnihub.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The load generator, run by bench/run.sh in its own JVM against a hub that the script started as its own
 * process on loopback. Waits for the hub to be healthy (timing its start-up), runs every figure with its raw
 * limit, prints one table and writes it as Markdown ({@code bench.out}, normally docs/benchmarks.md) with the
 * machine's description. Everything it needs comes from system properties set by the script.
 */
public final class BenchMain {

    private static final String RULE = "-".repeat(100);

    private BenchMain() {
    }

    public static void main(String[] args) throws Exception {
        HubUnderTest hub = new HubUnderTest(
                required("bench.base-url"),
                required("bench.jdbc-url"), System.getProperty("bench.db-user", "postgres"),
                System.getProperty("bench.db-password", "postgres"),
                required("bench.kafka"),
                "127.0.0.1", Integer.parseInt(required("bench.sftp-port")),
                Long.parseLong(required("bench.hub-pid")),
                System.getProperty("bench.postgres-pid-file") == null ? null : Path.of(System.getProperty("bench.postgres-pid-file")),
                Path.of(System.getProperty("bench.work-dir", ".")).toAbsolutePath(),
                System.getProperty("bench.operator-user", "operator"),
                System.getProperty("bench.operator-password", "operator"));
        Path out = Path.of(System.getProperty("bench.out", "docs/benchmarks.md"));
        Path hubLog = Path.of(required("bench.hub-log"));
        long hubStartEpochMs = Long.parseLong(required("bench.hub-start-epoch-ms"));
        int clients = Integer.getInteger("bench.clients", 8);
        Duration phase = Duration.ofSeconds(Long.getLong("bench.phase-seconds", 20));
        String loadBefore = loadAverage();
        // the channels' receiving end (bench/run.sh gave the hub its address): up before the hub sends anything
        ChannelStubServer channels = new ChannelStubServer(Integer.parseInt(required("bench.channel-stub-port")));

        List<BenchRow> rows = new ArrayList<>();
        List<String> notes = new ArrayList<>();

        // resources: start-up, as seen from outside and as the hub logs it
        long upMs = awaitHealthy(hub, hubStartEpochMs, Duration.ofSeconds(Long.getLong("bench.startup-timeout-seconds", 300)));
        Long loggedMs = awaitLoggedStartup(hubLog, Duration.ofSeconds(30));
        Thread.sleep(2_000);
        long idleHeap = hub.heapUsedBytes();
        long idleHeapScraped = hub.heapUsedBytesUnauthenticated();
        long idleJvmRss = hub.jvmRssKib();
        long idleTotalRss = hub.totalRssKib();
        System.out.printf(Locale.ROOT, "hub healthy %d ms after its process started (hub logs %s ms)%n", upMs, loggedMs);

        // -Dbench.only=intake,routing,sync,sftp,reconciliation runs just those figures (routing includes the PostgreSQL limit)
        String only = System.getProperty("bench.only", "");
        java.util.function.Predicate<String> wanted = f -> only.isBlank() || Arrays.asList(only.split(",")).contains(f);

        // intake (with its HTTP and Kafka limits); memory is sampled under this load
        IntakeBench intake = null;
        if (wanted.test("intake")) {
            System.out.println("intake: " + System.getProperty("bench.intake.clients", "8,64,256") + " clients, up to " + phase.toSeconds() + " s per phase ...");
            intake = new IntakeBench(hub, clients, Long.getLong("bench.intake.max", 50_000), phase);
            rows.addAll(guard("Intake: signed webhook orders", intake::run));
            notes.addAll(intake.notesOut);
        }

        if (only.contains("producer")) {
            // the outbox relay's producer settings, compared on the hub's broker (only when asked for by name)
            System.out.println("producer: outbox relay settings ...");
            rows.addAll(guard("Outbox relay producer settings", () -> new ProducerSettingsBench(hub,
                    Integer.getInteger("bench.producer.records", 40_000)).run()));
        }

        // each figure starts on a settled hub, not in the tail of the one before (see HubSettling)
        Duration settleMax = Duration.ofSeconds(Long.getLong("bench.settle-seconds", 300));
        if (wanted.test("intake") && wanted.test("routing")) {
            String settled = new HubSettling(hub).await("intake", settleMax);
            System.out.println("settle: " + settled);
            notes.add("Between figures the load generator waits until the hub has done what the previous figure left it "
                    + "(every consumer group at the end of its topics, no outbox row waiting, no delivery owed): " + settled + ".");
        }

        if (wanted.test("routing")) {
            // PostgreSQL raw limit for the reservation update
            System.out.println("postgres: raw conditional update limit ...");
            PostgresLimitBench pg = new PostgresLimitBench(hub, Integer.getInteger("bench.pg.threads", 8),
                    Integer.getInteger("bench.pg.rows", 10_000), Long.getLong("bench.pg.max", 300_000), phase);
            rows.addAll(guard("PostgreSQL raw limit", pg::run));
            System.out.println("routing: orders committed, timed until routed ...");
            rows.addAll(guard("Routing and reservation", () -> new RoutingFigure(hub, pg, Integer.getInteger("bench.routing.orders", 2_000),
                    Duration.ofSeconds(Long.getLong("bench.routing.max-seconds", 300))).run()));
        }

        if (wanted.test("routing") && (wanted.test("sync") || wanted.test("sftp"))) {
            String settled = new HubSettling(hub).await("routing", settleMax);
            System.out.println("settle: " + settled);
            notes.add("After the routing figure: " + settled + ".");
        }

        if (wanted.test("sync")) {
            System.out.println("sync: stock events to the last of five channels ...");
            rows.addAll(guard("Inventory sync: stock event to last channel callback", () -> new SyncLatencyFigure(hub, channels,
                    Integer.getInteger("bench.sync.skus", 100), Integer.getInteger("bench.sync.seconds", 10),
                    Arrays.stream(System.getProperty("bench.sync.rates", "100,500,1000").split(","))
                            .mapToInt(r -> Integer.parseInt(r.trim())).toArray()).run()));
        }

        if (wanted.test("reconciliation")) {
            if (wanted.test("sync") || wanted.test("routing")) {
                String settled = new HubSettling(hub).await(wanted.test("sync") ? "sync" : "routing", settleMax);
                System.out.println("settle: " + settled);
                notes.add("Before the reconciliation figure: " + settled + ".");
            }
            System.out.println("reconciliation: 100,000 skus against the marketplace ...");
            rows.addAll(guard("Reconciliation", () -> new ReconciliationFigure(hub, channels).run()));
        }

        if ((wanted.test("sync") || wanted.test("reconciliation")) && wanted.test("sftp")) {
            String settled = new HubSettling(hub).await(wanted.test("reconciliation") ? "reconciliation" : "sync", settleMax);
            System.out.println("settle: " + settled);
            notes.add("Before the SFTP figure: " + settled + ".");
        }

        if (wanted.test("sftp")) {
            System.out.println("sftp: stock file ...");
            Path tmp = Files.createTempDirectory("omnihub-bench-sftp");
            rows.addAll(guard("SFTP: WMS stock CSV", () -> new SftpStockBench(hub).run(tmp)));
        }

        // resources
        rows.add(new BenchRow("Start-up of the embedded default (PostgreSQL, Kafka, SFTP, hub)",
                String.format(Locale.ROOT, "%,d ms process start → /actuator/health UP; hub logs 'up in %s ms'", upMs,
                        loggedMs == null ? "?" : String.format(Locale.ROOT, "%,d", loggedMs)),
                "", "", "fresh empty data directory: includes initdb, Flyway and demo data"));
        ResourceSampler s = intake == null ? null : intake.underLoad;
        rows.add(new BenchRow("Memory, idle after start",
                "heap used " + mib(idleHeap) + "; RSS " + kib(idleJvmRss) + " (JVM) / " + kib(idleTotalRss) + " (JVM + PostgreSQL)",
                "", "", "heap from /actuator/metrics/jvm.memory.used?tag=area:heap as operator (Prometheus scrape said "
                        + mib(idleHeapScraped) + "); hub JVM options: " + System.getProperty("bench.hub-java-opts", "(defaults)")));
        if (s != null) {
            rows.add(new BenchRow("Memory, peak under intake load (" + System.getProperty("bench.intake.clients", "8,64,256") + " clients)",
                    "heap used " + mib(s.peakHeapBytes()) + "; RSS " + kib(s.peakJvmRssKib()) + " (JVM) / " + kib(s.peakTotalRssKib())
                            + " (JVM + PostgreSQL)",
                    "", "", "sampled every 0.5 s during the measured intake phases (and their same-run limits); heap from the open /actuator/prometheus scrape (same meter, no BCrypt per sample), RSS from /proc/<pid>/status VmRSS"));
        }

        String loadAfter = loadAverage();
        notes.add("Load average (1, 5, 15 min) before the run: " + loadBefore + "; after: " + loadAfter + ".");
        double busiest = Math.max(firstLoad(loadBefore), firstLoad(loadAfter));
        int cores = Runtime.getRuntime().availableProcessors();
        if (busiest > 2.0 * cores) {
            notes.add(oversubscribedNote(busiest, cores));
        }
        String table = table(rows);
        System.out.println();
        System.out.println(RULE);
        System.out.println(table);
        System.out.println(RULE);
        Files.createDirectories(out.toAbsolutePath().getParent());
        Files.writeString(out, markdown(table, notes, clients, phase), StandardCharsets.UTF_8);
        System.out.println("written to " + out);
        channels.close();
    }

    interface Figure {
        List<BenchRow> run() throws Exception;
    }

    /** Runs a figure; a failure becomes an n/a row with the reason rather than ending the run. */
    static List<BenchRow> guard(String name, Figure figure) {
        try {
            return figure.run();
        } catch (Exception e) {
            e.printStackTrace();
            return List.of(BenchRow.notAvailable(name, "failed: " + e));
        }
    }

    static long awaitHealthy(HubUnderTest hub, long startEpochMs, Duration timeout) throws Exception {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(2)).build();
        long deadline = System.currentTimeMillis() + timeout.toMillis();
        while (System.currentTimeMillis() < deadline) {
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(hub.baseUrl() + "/actuator/health"))
                        .timeout(Duration.ofSeconds(5)).GET().build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200 && r.body().contains("\"status\":\"UP\"")) {
                    return System.currentTimeMillis() - startEpochMs;
                }
            } catch (IOException e) {
                // not listening yet
            }
            if (!ProcessHandle.of(hub.pid()).map(ProcessHandle::isAlive).orElse(false)) {
                throw new IllegalStateException("the hub process " + hub.pid() + " exited before it was healthy");
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("the hub was not healthy within " + timeout.toSeconds() + " s");
    }

    static Long awaitLoggedStartup(Path log, Duration timeout) throws Exception {
        Pattern up = Pattern.compile("omnihub is up in (\\d+) ms");
        long deadline = System.currentTimeMillis() + timeout.toMillis();
        while (System.currentTimeMillis() < deadline) {
            if (Files.exists(log)) {
                Matcher m = up.matcher(Files.readString(log, StandardCharsets.UTF_8));
                if (m.find()) {
                    return Long.parseLong(m.group(1));
                }
            }
            Thread.sleep(200);
        }
        return null;
    }

    /**
     * What the intake figures count and what the hub's 202 means: the order is committed in PostgreSQL with its
     * outbox row; Kafka comes after, through the outbox relay (see OrderIntake and KafkaOutboxRelay).
     */
    static final String INTAKE_NOTE = "Intake counts an order only when the hub answered 202 and a consumer saw it on "
            + "`omnihub.orders.v1`; orders/s = orders confirmed / (first request → last confirmation). \"HTTP\" latency is the "
            + "202 round trip, \"to Kafka\" is from sending the request to seeing the record. The 202 means the order is stored "
            + "durably in PostgreSQL (order, lines, event and outbox row, committed together with the orders of concurrent "
            + "requests: group commit); it does not wait for Kafka. The outbox relay publishes the order to `omnihub.orders.v1` "
            + "after that commit (pipelined, acks=all), so \"to Kafka\" includes the relay's pass and the publish, and \"HTTP\" "
            + "includes neither. The steady-rate row offers requests on a fixed schedule (open loop) and counts each latency "
            + "from when the request was due.";

    static String oversubscribedNote(double busiest, int cores) {
        return String.format(Locale.ROOT, "The machine was heavily oversubscribed during this run (load average up to %.0f on %d cores): "
                + "absolute figures, limits included, are far below what the same machine does when quiet, and start-up time "
                + "mostly measures waiting for CPU. The ratios are steadier, but still affected.", busiest, cores);
    }

    static String table(List<BenchRow> rows) {
        StringBuilder b = new StringBuilder("| figure | hub | raw limit (same run) | hub / limit | notes |\n|---|---|---|---|---|\n");
        for (BenchRow r : rows) {
            b.append("| ").append(cell(r.figure())).append(" | ").append(cell(r.hub())).append(" | ").append(cell(r.limit()))
                    .append(" | ").append(cell(r.ratio())).append(" | ").append(cell(r.notes())).append(" |\n");
        }
        return b.toString();
    }

    private static String cell(String s) {
        return s == null ? "" : s.replace("|", "\\|").replace("\n", " ");
    }

    static String markdown(String table, List<String> runNotes, int clients, Duration phase) throws IOException {
        String date = ZonedDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'"));
        StringBuilder b = new StringBuilder();
        b.append("# Benchmarks\n\n");
        b.append("How fast the hub is next to the raw limits of the same machine, measured in the same run. ")
                .append("Generated by `bash bench/run.sh` (see \"How to run\" below); do not edit by hand.\n\n");
        b.append("Run: ").append(date).append(".\n\n");
        b.append("## Machine\n\n");
        b.append("- CPU: ").append(cpuModel()).append(", ").append(Runtime.getRuntime().availableProcessors()).append(" cores (nproc)\n");
        b.append("- Memory: ").append(memTotal()).append('\n');
        b.append("- Java: ").append(System.getProperty("java.vm.name")).append(' ').append(System.getProperty("java.runtime.version"))
                .append(" (").append(System.getProperty("java.vendor")).append(")\n");
        b.append("- OS: ").append(System.getProperty("os.name")).append(' ').append(System.getProperty("os.version")).append('\n');
        b.append("- Hub: `java ").append(System.getProperty("bench.hub-java-opts", "")).append(" -jar target/omnihub-*.jar` with the Spring ")
                .append("profile `bench`, embedded PostgreSQL 17 (durable: fsync and synchronous_commit on), Kafka 3.9 KRaft and SFTP, ")
                .append("fresh data directory, loopback only\n");
        b.append("- Load generator: a separate JVM on the same machine (`io.omnihub.bench.BenchMain`), ").append(clients)
                .append(" concurrent clients, each measured phase bounded by a count and ").append(phase.toSeconds()).append(" s\n\n");
        b.append("## Results\n\n").append(table).append('\n');
        b.append("## Notes\n\n");
        b.append("- One run, not an average: treat differences under about 20 % as noise. The machine's 2 cores are shared with other ")
                .append("agents' builds and tests, and the hub, its embedded PostgreSQL and Kafka, and the load generator all run on them; ")
                .append("every figure (hub and limit alike) is what was left of 2 cores at that moment, which is why each limit is measured ")
                .append("in the same run and the ratio is the figure to read.\n");
        for (String n : runNotes) {
            b.append("- ").append(n).append('\n');
        }
        b.append("- ").append(INTAKE_NOTE).append('\n');
        b.append("- The embedded Kafka broker flushes every append to disk (`log.flush.interval.messages=1`) and the producers use ")
                .append("acks=all with idempotence; both the hub's and the bare producers' figures include that.\n");
        b.append("- The HTTP echo (`POST /bench/echo`, only with the `bench` Spring profile) answers the same bytes through the same ")
                .append("Tomcat, Spring MVC and Spring Security stack and does nothing else. The Kafka limits produce the same bytes to ")
                .append("`omnihub.bench.raw` on the hub's own broker.\n");
        b.append("- The PostgreSQL limit runs the reservation update on bench-only rows (BENCH-PG-*) of the hub's own `stock` table, ")
                .append("bypassing StockLedger on purpose: it is the ceiling the routing figure is compared with.\n");
        b.append("- n/a rows are figures that failed in this run; the row says why.\n\n");
        b.append("## How to run\n\n");
        b.append("    bash bench/run.sh            # or: mvn -Pbench verify\n\n");
        b.append("The script builds the jar, starts the hub as its own process with a temporary data directory and free ports, ")
                .append("runs the load generator and stops the hub. Knobs (environment): `BENCH_CLIENTS`, `BENCH_PHASE_SECONDS`, ")
                .append("`BENCH_HUB_JAVA_OPTS`, `BENCH_MVN_OPTS`. None of this runs in `mvn verify`.\n");
        return b.toString();
    }

    static String cpuModel() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    return line.substring(line.indexOf(':') + 1).trim();
                }
            }
        } catch (IOException e) {
            // not Linux
        }
        return System.getProperty("os.arch");
    }

    static String memTotal() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemTotal:")) {
                    long kib = Long.parseLong(line.replaceAll("[^0-9]", ""));
                    return String.format(Locale.ROOT, "%.1f GiB", kib / 1024.0 / 1024.0);
                }
            }
        } catch (IOException | NumberFormatException e) {
            // not Linux
        }
        return "unknown";
    }

    private static double firstLoad(String loadAverage) {
        try {
            return Double.parseDouble(loadAverage.split(",")[0].trim());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + ", " + f[1] + ", " + f[2];
        } catch (IOException e) {
            return "unknown";
        }
    }

    private static String mib(long bytes) {
        return bytes < 0 ? "n/a" : String.format(Locale.ROOT, "%,d MiB", bytes / (1024 * 1024));
    }

    private static String kib(long kib) {
        return kib < 0 ? "n/a" : String.format(Locale.ROOT, "%,d MiB", kib / 1024);
    }

    private static String required(String name) {
        String v = System.getProperty(name);
        if (v == null || v.isBlank()) {
            throw new IllegalArgumentException("missing -D" + name + " (bench/run.sh sets it)");
        }
        return v;
    }
}
