package io.omnihub.bench;

import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The channels' receiving end during a harness run, in the load generator's JVM (not the hub's): the JDK's HTTP
 * server on a port given to the hub at start ({@code --omnihub.sync.channels.*.url}), answering 200 to every
 * request and handing each body to the {@link SyncLatencyProbe} with its arrival time. The bare round trip of the
 * sync figure is measured against this same server.
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
        server.createContext("/", exchange -> {
            long at = System.nanoTime();
            String body;
            try (InputStream in = exchange.getRequestBody()) {
                body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            requests.incrementAndGet();
            if (!body.isEmpty()) {
                probe.received(body, at);
            }
            byte[] ok = "{}".getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, ok.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(ok);
            }
        });
        server.start();
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
