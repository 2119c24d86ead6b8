package io.omnihub.console;

import io.omnihub.observability.KafkaStatus;
import io.omnihub.observability.SftpStatus;
import org.springframework.boot.actuate.health.Health;
import org.springframework.stereotype.Component;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Connector health for the console overview: every SFTP server's reachability, the Kafka cluster and its consumer
 * groups' lag, and the pollers' cursors. The network checks are cached for a few seconds so a page refresh or
 * many viewers never hammer a partner's server.
 */
@Component
public class ConnectorStatus {

    private static final long TTL_MS = 10_000;

    private final SftpStatus sftp;
    private final KafkaStatus kafka;
    private final ConsoleQueries queries;
    private final Map<String, Cached> cache = new java.util.concurrent.ConcurrentHashMap<>();

    private record Cached(long at, Object value) {
    }

    public ConnectorStatus(SftpStatus sftp, KafkaStatus kafka, ConsoleQueries queries) {
        this.sftp = sftp;
        this.kafka = kafka;
        this.queries = queries;
    }

    /** SFTP, Kafka and poll cursors, as the overview shows them. */
    public Map<String, Object> status() {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("sftp", cached("sftp", () -> {
            List<Map<String, Object>> servers = new ArrayList<>();
            sftp.servers().forEach((name, server) -> {
                Health h = sftp.check(server);
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("name", name);
                m.put("status", h.getStatus().getCode());
                m.put("details", h.getDetails());
                servers.add(m);
            });
            return servers;
        }));
        s.put("kafka", cached("kafka", () -> {
            Map<String, Object> k = new LinkedHashMap<>();
            Health h = kafka.health();
            k.put("status", h.getStatus().getCode());
            k.put("details", h.getDetails());
            try {
                k.put("lag", "UP".equals(h.getStatus().getCode()) ? kafka.consumerLag() : List.of());
            } catch (Exception e) {
                k.put("lagError", e.getClass().getSimpleName() + ": " + e.getMessage());
            }
            return k;
        }));
        s.put("cursors", queries.cursorTables());
        return s;
    }

    private Object cached(String key, Supplier<Object> compute) {
        long now = System.currentTimeMillis();
        Cached c = cache.get(key);
        if (c == null || now - c.at() > TTL_MS) {
            c = new Cached(now, compute.get());
            cache.put(key, c);
        }
        return c.value();
    }
}
