package io.omnihub.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;

/**
 * The hub process the benchmarks drive, as bench/run.sh started it: its addresses on loopback, its pid and its
 * working directory (where routes/ lives). Also reads what the process costs: heap from the hub's own metrics,
 * resident memory from /proc.
 */
public record HubUnderTest(String baseUrl, String jdbcUrl, String dbUser, String dbPassword, String kafkaBrokers,
                           String sftpHost, int sftpPort, long pid, Path postgresPidFile, Path workDir,
                           String operatorUser, String operatorPassword) {

    private static final ObjectMapper mapper = new ObjectMapper();
    private static final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();

    /** Heap in use, in bytes, from /actuator/metrics/jvm.memory.used?tag=area:heap (as the operator); -1 if unreadable. */
    public long heapUsedBytes() {
        try {
            String auth = Base64.getEncoder().encodeToString((operatorUser + ":" + operatorPassword).getBytes(StandardCharsets.UTF_8));
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(baseUrl + "/actuator/metrics/jvm.memory.used?tag=area:heap"))
                    .header("Authorization", "Basic " + auth).timeout(Duration.ofSeconds(5)).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                return -1;
            }
            for (JsonNode m : mapper.readTree(r.body()).path("measurements")) {
                if ("VALUE".equals(m.path("statistic").asText())) {
                    return (long) m.path("value").asDouble();
                }
            }
            return -1;
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    /**
     * Heap in use, in bytes, summed from the open {@code /actuator/prometheus} scrape ({@code jvm_memory_used_bytes}
     * with {@code area="heap"}): the same meter as {@link #heapUsedBytes()} without a password check, whose
     * BCrypt hash would cost the hub tens of milliseconds of CPU per sample while it is under load. Only that meter is
     * asked for: the full scrape wrote every meter twice a second, 7 % of the hub's CPU in a profile of the intake
     * figure. -1 if unreadable.
     */
    public long heapUsedBytesUnauthenticated() {
        try {
            HttpResponse<java.util.stream.Stream<String>> r = http.send(HttpRequest.newBuilder(URI.create(baseUrl + "/actuator/prometheus?includedNames=jvm_memory_used_bytes"))
                    .timeout(Duration.ofSeconds(5)).GET().build(), HttpResponse.BodyHandlers.ofLines());
            if (r.statusCode() != 200) {
                return -1;
            }
            double sum = r.body()
                    .filter(l -> l.startsWith("jvm_memory_used_bytes{") && l.contains("area=\"heap\""))
                    .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
                    .sum();
            return sum > 0 ? (long) sum : -1;
        } catch (IOException | NumberFormatException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    /** Resident memory of the hub's JVM alone, in KiB (VmRSS). */
    public long jvmRssKib() {
        return rssKib(pid);
    }

    /**
     * Resident memory of the hub's JVM, its child processes and the embedded PostgreSQL server (found by the pid
     * in its postmaster.pid, as pg_ctl detaches it from the JVM) with its backends, in KiB. Shared pages of the
     * PostgreSQL processes are counted once per process, so this overstates PostgreSQL's share somewhat.
     */
    public long totalRssKib() {
        java.util.Set<Long> pids = new java.util.TreeSet<>();
        pids.add(pid);
        ProcessHandle.of(pid).ifPresent(p -> p.descendants().forEach(c -> pids.add(c.pid())));
        long postmaster = postmasterPid();
        if (postmaster > 0) {
            pids.add(postmaster);
            ProcessHandle.of(postmaster).ifPresent(p -> p.descendants().forEach(c -> pids.add(c.pid())));
        }
        long total = 0;
        for (long p : pids) {
            total += Math.max(0, rssKib(p));
        }
        return total;
    }

    private long postmasterPid() {
        try {
            if (postgresPidFile == null || !Files.exists(postgresPidFile)) {
                return -1;
            }
            List<String> lines = Files.readAllLines(postgresPidFile);
            return lines.isEmpty() ? -1 : Long.parseLong(lines.get(0).trim());
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
    }

    static long rssKib(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException | NumberFormatException e) {
            // the process is gone or /proc is not there
        }
        return -1;
    }
}
