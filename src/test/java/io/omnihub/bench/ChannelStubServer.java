package io.omnihub.bench;

import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.NavigableMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The channels' receiving end during a harness run, in the load generator's JVM (not the hub's): the JDK's HTTP
 * server on a port given to the hub at start ({@code --omnihub.channels.*.sink.url}), answering 200 to every
 * request and handing each body to the {@link SyncLatencyProbe} with its arrival time. The bare round trip of the
 * sync figure is measured against this same server. It also keeps the figure the marketplace was sent per sku and
 * serves them back, paged ({@code GET /marketplace/inventory?limit&cursor}), for the reconciliation figure.
 */
final class ChannelStubServer implements AutoCloseable {

    private final HttpServer server;
    private final ExecutorService threads;
    final SyncLatencyProbe probe = new SyncLatencyProbe();
    final AtomicLong requests = new AtomicLong();

    ChannelStubServer(int port) throws IOException {
        // without TCP_NODELAY the JDK server's separate header and body writes meet the client's delayed ACK: 40 ms a call
        System.setProperty("sun.net.httpserver.nodelay", "true");
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 256);
        threads = Executors.newFixedThreadPool(32, r -> {
            Thread t = new Thread(r, "channel-stub");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(threads);
        // the marketplace's read-back (reconciliation figure): one page of the figures it shows, sorted by sku
        server.createContext("/marketplace/inventory", exchange -> {
            if (!"GET".equals(exchange.getRequestMethod())) {
                received(exchange);
                answer(exchange);
                return;
            }
            Map<String, String> query = query(exchange.getRequestURI().getRawQuery());
            int limit = Integer.parseInt(query.getOrDefault("limit", "500"));
            String cursor = query.getOrDefault("cursor", "");
            NavigableMap<String, Integer> rest = cursor.isEmpty() ? marketplace : marketplace.tailMap(cursor, false);
            StringBuilder page = new StringBuilder("{\"items\":[");
            String last = null;
            int n = 0;
            for (Map.Entry<String, Integer> e : rest.entrySet()) {
                if (n == limit) {
                    break;
                }
                page.append(n++ == 0 ? "" : ",").append("{\"sku\":\"").append(e.getKey()).append("\",\"available\":")
                        .append(e.getValue()).append('}');
                last = e.getKey();
            }
            page.append("],\"next\":").append(last != null && rest.higherKey(last) != null ? "\"" + last + "\"" : "null").append('}');
            readBackPages.incrementAndGet();
            byte[] body = page.toString().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.createContext("/", exchange -> {
            received(exchange);
            answer(exchange);
        });
        server.start();
    }

    /** The figures the marketplace shows, by sku: what it was sent (PUT inventory/{sku}), or what a figure set. */
    final NavigableMap<String, Integer> marketplace = new ConcurrentSkipListMap<>();
    final AtomicLong readBackPages = new AtomicLong();

    private void received(com.sun.net.httpserver.HttpExchange exchange) throws IOException {
        long at = System.nanoTime();
        String body;
        try (InputStream in = exchange.getRequestBody()) {
            body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        requests.incrementAndGet();
        if (!body.isEmpty()) {
            probe.received(body, at);
            String path = exchange.getRequestURI().getPath();
            if (path.startsWith("/marketplace/inventory/")) {
                java.util.regex.Matcher m = AVAILABLE.matcher(body);
                if (m.find()) {
                    marketplace.put(path.substring("/marketplace/inventory/".length()), Integer.parseInt(m.group(1)));
                }
            }
        }
    }

    private static final java.util.regex.Pattern AVAILABLE = java.util.regex.Pattern.compile("\"available\"\\s*:\\s*(-?\\d+)");

    private static Map<String, String> query(String raw) {
        Map<String, String> q = new java.util.HashMap<>();
        if (raw != null) {
            for (String pair : raw.split("&")) {
                int eq = pair.indexOf('=');
                if (eq > 0) {
                    q.put(pair.substring(0, eq), java.net.URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
                }
            }
        }
        return q;
    }

    private static void answer(com.sun.net.httpserver.HttpExchange exchange) throws IOException {
        byte[] ok = "{}".getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(200, ok.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(ok);
        }
    }

    int port() {
        return server.getAddress().getPort();
    }

    @Override
    public void close() {
        server.stop(0);
        threads.shutdownNow();
    }
}
