package io.omnihub.bench;

import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.keyverifier.AcceptAllServerKeyVerifier;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.sftp.client.SftpClient;
import org.apache.sshd.sftp.client.SftpClientFactory;
import org.apache.sshd.sftp.common.SftpException;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.Locale;

/**
 * SFTP: a 100,000-row WMS stock CSV uploaded as the WMS (user wms) into {@code inbound/stock/}, timed until the
 * hub writes {@code <name>.result.csv} back, next to a bare Commons CSV parse of the same file. The flow is the
 * connector catalogue's {@code routes/wms-stock.yaml}; without that route the hub figure is n/a and only the
 * limit is measured. The file's columns follow {@code bench.sftp.header} / {@code bench.sftp.row} (a format
 * of node, sku, quantity), so they can follow the flow's documented format without a code change. The figure counts
 * the rows the result file says were accepted (a rejected row is no throughput) and prints the rejected ones; while
 * the file is read, signed storefront orders arrive at {@code bench.sftp.orders-per-second} (100) in the background,
 * as they would in a shop that is open.
 */
final class SftpStockBench {

    private final HubUnderTest hub;
    private final int rows = Integer.getInteger("bench.sftp.rows", 100_000);
    private final String route = System.getProperty("bench.sftp.route", "routes/wms-stock.yaml");
    private final String user = System.getProperty("bench.sftp.user", "wms");
    private final String password = System.getProperty("bench.sftp.password", "wms-secret");
    private final String inbound = System.getProperty("bench.sftp.inbound", "inbound/stock");
    private final String header = System.getProperty("bench.sftp.header", "record_type,warehouse,sku,quantity");
    private final String rowFormat = System.getProperty("bench.sftp.row", "SNAP,%1$s,%2$s,%3$d");
    private final Duration maxWait = Duration.ofSeconds(Long.getLong("bench.sftp.max-seconds", 600));
    private final int ordersPerSecond = Integer.getInteger("bench.sftp.orders-per-second", 100);

    SftpStockBench(HubUnderTest hub) {
        this.hub = hub;
    }

    static String sku(int i) {
        return String.format(Locale.ROOT, "BENCH-SF-%06d", i);
    }

    Path writeFile(Path dir, String name) throws IOException {
        Path file = dir.resolve(name);
        try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            w.write(header);
            w.write('\n');
            for (int i = 1; i <= rows; i++) {
                w.write(String.format(Locale.ROOT, rowFormat, "WH-NJ1", sku(i), (i * 7) % 500));
                w.write('\n');
            }
        }
        return file;
    }

    /** Bare parse: every record read and its quantity parsed; median of three timed runs after one warm-up. */
    double bareParseRowsPerSecond(Path file) throws IOException {
        CSVFormat format = CSVFormat.DEFAULT.builder().setHeader().setSkipHeaderRecord(true).get();
        long[] nanos = new long[3];
        for (int run = -1; run < nanos.length; run++) {
            long t0 = System.nanoTime();
            long count = 0;
            long sum = 0;
            try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8); CSVParser p = CSVParser.parse(r, format)) {
                for (CSVRecord rec : p) {
                    sum += Integer.parseInt(rec.get(rec.size() - 1).trim()) + rec.get(1).length() + rec.get(0).length();
                    count++;
                }
            }
            if (count != rows || sum < 0) {
                throw new IllegalStateException("parsed " + count + " rows, expected " + rows);
            }
            if (run >= 0) {
                nanos[run] = System.nanoTime() - t0;
            }
        }
        Arrays.sort(nanos);
        return rows * 1e9 / nanos[1];
    }

    private void createItems() throws Exception {
        try (Connection c = DriverManager.getConnection(hub.jdbcUrl(), hub.dbUser(), hub.dbPassword()); Statement s = c.createStatement()) {
            s.execute("insert into item (sku, name) select 'BENCH-SF-' || lpad(g::text, 6, '0'), 'bench sftp item' "
                    + "from generate_series(1, " + rows + ") g on conflict do nothing");
        }
    }

    List<BenchRow> run(Path tempDir) throws Exception {
        String name = "bench-stock-" + System.currentTimeMillis() + ".csv";
        Path file = writeFile(tempDir, name);
        double parse = bareParseRowsPerSecond(file);
        String figure = "SFTP: " + String.format(Locale.ROOT, "%,d", rows) + "-row WMS stock CSV, upload to result file";
        String limit = "bare Commons CSV parse of the same file: " + BenchRow.rate(parse, "rows/s");
        if (!Files.exists(hub.workDir().resolve(route))) {
            return List.of(new BenchRow(figure, "n/a (flow not present: no " + route + ")", limit, "n/a",
                    "re-run bench/run.sh once the WMS stock flow is merged"));
        }
        createItems();
        SshClient client = SshClient.setUpDefaultClient();
        client.setServerKeyVerifier(AcceptAllServerKeyVerifier.INSTANCE);
        client.start();
        try (ClientSession session = client.connect(user, hub.sftpHost(), hub.sftpPort()).verify(Duration.ofSeconds(10)).getSession()) {
            session.addPasswordIdentity(password);
            session.auth().verify(Duration.ofSeconds(10));
            try (SftpClient sftp = SftpClientFactory.instance().createSftpClient(session)) {
                mkdirs(sftp, inbound);
                String part = name + ".part";
                BackgroundOrders orders = new BackgroundOrders(hub, ordersPerSecond);
                long uploadStart = System.nanoTime();
                try (OutputStream out = sftp.write(part); InputStream in = Files.newInputStream(file)) {
                    in.transferTo(out);
                }
                // appears in the inbound folder complete, in one step
                sftp.rename(part, inbound + "/" + name);
                long dropped = System.nanoTime();
                String result = awaitResult(sftp, name + ".result.csv", dropped);
                long done = System.nanoTime();
                String background = orders.stop();
                if (result == null) {
                    return List.of(new BenchRow(figure, "n/a (no result file within " + maxWait.toSeconds() + " s)", limit, "n/a",
                            "looked for " + name + ".result.csv under the wms home"));
                }
                ResultCounts counts = readResult(sftp, result);
                System.out.println("sftp: result file " + result + ": " + counts.accepted + " accepted, " + counts.rejected.size()
                        + " rejected" + (counts.rejected.isEmpty() ? "" : "; rejected rows:"));
                counts.rejected.stream().limit(50).forEach(r -> System.out.println("  " + r));
                System.out.println("sftp: background orders while the file was read: " + background);
                double rate = counts.accepted * 1e9 / (done - dropped);
                return List.of(new BenchRow(figure,
                        BenchRow.rate(rate, "rows/s") + String.format(Locale.ROOT, " (%,d of %,d rows accepted, %.1f s from drop to result; upload %.1f s)",
                                counts.accepted, rows, (done - dropped) / 1e9, (dropped - uploadStart) / 1e9),
                        limit, BenchRow.ratio(rate, parse),
                        "rows/s counts the rows the result file " + result + " lists as accepted (" + counts.rejected.size()
                                + " rejected" + (counts.rejected.isEmpty() ? "" : ", first: " + counts.rejected.get(0)) + "); "
                                + "meanwhile " + background + "; timed by polling every 250 ms"));
            }
        } finally {
            client.stop();
        }
    }

    /** What the result file says: how many rows were accepted, and each rejected row's line. */
    record ResultCounts(long accepted, List<String> rejected) {
    }

    private static ResultCounts readResult(SftpClient sftp, String path) throws IOException {
        long accepted = 0;
        List<String> rejected = new ArrayList<>();
        try (InputStream in = sftp.read(path);
             CSVParser p = CSVParser.parse(new java.io.InputStreamReader(in, StandardCharsets.UTF_8),
                     CSVFormat.DEFAULT.builder().setHeader().setSkipHeaderRecord(true).get())) {
            for (CSVRecord r : p) {
                if ("accepted".equals(r.get("status"))) {
                    accepted++;
                } else {
                    rejected.add(r.get("row") + "," + r.get("status") + "," + r.get("reason"));
                }
            }
        }
        return new ResultCounts(accepted, rejected);
    }

    /**
     * Signed storefront orders at a steady rate, sent without waiting for each other (an open shop does not stop
     * selling while the warehouse's count is read); {@link #stop} says how many were sent, accepted and how fast they
     * were answered.
     */
    static final class BackgroundOrders {
        private final java.util.concurrent.ScheduledExecutorService timer = java.util.concurrent.Executors.newSingleThreadScheduledExecutor();
        private final java.net.http.HttpClient http = java.net.http.HttpClient.newBuilder()
                .version(java.net.http.HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
        private final java.util.concurrent.atomic.AtomicLong sent = new java.util.concurrent.atomic.AtomicLong();
        private final java.util.concurrent.atomic.AtomicLong accepted = new java.util.concurrent.atomic.AtomicLong();
        private final java.util.concurrent.atomic.AtomicLong failed = new java.util.concurrent.atomic.AtomicLong();
        private final Latencies latencies = new Latencies();
        private final int perSecond;

        BackgroundOrders(HubUnderTest hub, int perSecond) {
            this.perSecond = perSecond;
            if (perSecond <= 0) {
                return;
            }
            IntakeBench bodies = new IntakeBench(hub, 1, 0, Duration.ZERO);
            String secret = System.getProperty(IntakeBench.SECRET_PROPERTY, "web-demo-secret");
            java.net.URI uri = java.net.URI.create(hub.baseUrl() + "/webhooks/web/orders");
            timer.scheduleAtFixedRate(() -> {
                long n = sent.incrementAndGet();
                byte[] bytes = bodies.body("sftp", n).getBytes(StandardCharsets.UTF_8);
                long t0 = System.nanoTime();
                http.sendAsync(java.net.http.HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30))
                                .header("Content-Type", "application/json")
                                .header("X-Storefront-Hmac-Sha256", io.omnihub.connectors.webhook.WebhookSignatures.storefrontHmac(secret, bytes))
                                .POST(java.net.http.HttpRequest.BodyPublishers.ofByteArray(bytes)).build(),
                        java.net.http.HttpResponse.BodyHandlers.discarding())
                        .whenComplete((r, e) -> {
                            if (e == null && r.statusCode() == 202) {
                                accepted.incrementAndGet();
                                latencies.record(System.nanoTime() - t0);
                            } else {
                                failed.incrementAndGet();
                            }
                        });
            }, 0, 1_000_000L / perSecond, java.util.concurrent.TimeUnit.MICROSECONDS);
        }

        String stop() throws InterruptedException {
            timer.shutdownNow();
            timer.awaitTermination(5, java.util.concurrent.TimeUnit.SECONDS);
            if (perSecond <= 0) {
                return "no background orders";
            }
            // the last answers
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (accepted.get() + failed.get() < sent.get() && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            return String.format(Locale.ROOT, "%,d signed orders sent at %d/s, %,d accepted (202), %,d failed, answered in p50 %s ms / p99 %s ms",
                    sent.get(), perSecond, accepted.get(), failed.get(), Latencies.ms(latencies.percentileMs(50)), Latencies.ms(latencies.percentileMs(99)));
        }
    }

    private static void mkdirs(SftpClient sftp, String path) throws IOException {
        StringBuilder at = new StringBuilder();
        for (String part : path.split("/")) {
            at.append(at.length() == 0 ? "" : "/").append(part);
            try {
                sftp.stat(at.toString());
            } catch (SftpException e) {
                sftp.mkdir(at.toString());
            }
        }
    }

    /** Polls the user's whole SFTP home for the result file, until its size stops changing. */
    private String awaitResult(SftpClient sftp, String resultName, long since) throws Exception {
        long deadline = since + maxWait.toNanos();
        long lastSize = -1;
        String found = null;
        while (System.nanoTime() < deadline) {
            found = find(sftp, ".", resultName, 4);
            if (found != null) {
                long size = sftp.stat(found).getSize();
                if (size > 0 && size == lastSize) {
                    return found;
                }
                lastSize = size;
            }
            Thread.sleep(250);
        }
        return null;
    }

    private static String find(SftpClient sftp, String root, String fileName, int depth) throws IOException {
        Deque<String[]> todo = new ArrayDeque<>();
        todo.add(new String[]{root, "0"});
        while (!todo.isEmpty()) {
            String[] next = todo.poll();
            List<String> dirs = new ArrayList<>();
            List<SftpClient.DirEntry> entries = new ArrayList<>();
            try {
                sftp.readDir(next[0]).forEach(entries::add);
            } catch (java.io.UncheckedIOException | org.apache.sshd.sftp.common.SftpException gone) {
                // a folder the hub removed while we walked (its work folders come and go): nothing to find there
                continue;
            }
            for (SftpClient.DirEntry e : entries) {
                String n = e.getFilename();
                if (n.equals(".") || n.equals("..")) {
                    continue;
                }
                String path = next[0].equals(".") ? n : next[0] + "/" + n;
                if (e.getAttributes().isDirectory()) {
                    dirs.add(path);
                } else if (n.equals(fileName)) {
                    return path;
                }
            }
            int d = Integer.parseInt(next[1]);
            if (d < depth) {
                dirs.forEach(p -> todo.add(new String[]{p, Integer.toString(d + 1)}));
            }
        }
        return null;
    }

    private static long countLines(SftpClient sftp, String path) throws IOException {
        try (InputStream in = sftp.read(path)) {
            long lines = 0;
            byte[] buf = new byte[65536];
            int n;
            while ((n = in.read(buf)) > 0) {
                for (int i = 0; i < n; i++) {
                    if (buf[i] == '\n') {
                        lines++;
                    }
                }
            }
            return lines;
        }
    }
}
