package io.omnihub.reference;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.SmartLifecycle;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.stereotype.Component;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The reference data checked on every message (skus, nodes and their sinks, stores, channels), read from the
 * database once and then kept, instead of a query per check; {@link ReferenceData} answers through it. What is known
 * is cached; what is not found is asked of the database again each time, so a sku, node or channel added a moment
 * ago is accepted at once. A change by any writer bumps the row of {@code reference_version} in its transaction
 * (triggers, V60); this cache polls that row every {@code omnihub.reference.poll-ms} (250 ms) and starts afresh when
 * it moved, so a removed or changed entry is believed for at most that long after its change committed.
 * <p>
 * A lookup adds what it read to the generation it started with: a generation replaced meanwhile is dropped with
 * whatever a lookup that raced the change put into it.
 */
@Component
public class ReferenceCache implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(ReferenceCache.class);

    private final NamedParameterJdbcTemplate jdbc;
    private final long pollMs;
    private volatile Generation current = new Generation(-1);
    private ScheduledExecutorService poller;
    private volatile boolean running;

    public ReferenceCache(NamedParameterJdbcTemplate jdbc, @Value("${omnihub.reference.poll-ms:250}") long pollMs) {
        this.jdbc = jdbc;
        this.pollMs = pollMs;
    }

    /** What one version of the reference data is known to contain; filled as lookups find it. */
    private static final class Generation {
        final long version;
        final Set<String> skus = ConcurrentHashMap.newKeySet();
        final Map<String, NodeRef> nodes = new ConcurrentHashMap<>();
        final Set<String> channels = ConcurrentHashMap.newKeySet();

        Generation(long version) {
            this.version = version;
        }
    }

    /** The skus of {@code skus} that are not items of the hub, sorted; empty when all are known. */
    public Set<String> unknownSkus(Collection<String> skus) {
        Generation g = current;
        List<String> missing = new ArrayList<>();
        for (String sku : skus) {
            if (!g.skus.contains(sku)) {
                missing.add(sku);
            }
        }
        if (missing.isEmpty()) {
            return Set.of();
        }
        List<String> found = jdbc.queryForList("select sku from item where sku in (:skus)",
                new MapSqlParameterSource("skus", missing), String.class);
        g.skus.addAll(found);
        Set<String> unknown = new TreeSet<>(missing);
        found.forEach(unknown::remove);
        return unknown;
    }

    /** What the checks need of a node: its type (WAREHOUSE, STORE, DROPSHIP) and its sink as stored (NONE: none). */
    record NodeRef(String type, String sink) {
    }

    /** The type of node {@code id} (WAREHOUSE, STORE, DROPSHIP), or null when there is no such node. */
    public String nodeType(String id) {
        NodeRef node = node(id);
        return node == null ? null : node.type();
    }

    /** Node {@code id}'s type and sink, or null when there is no such node. */
    NodeRef node(String id) {
        if (id == null) {
            return null;
        }
        NodeRef node = current.nodes.get(id);
        return node != null ? node : nodes(List.of(id)).get(id);
    }

    /** The nodes of {@code ids} that exist, by id; those not cached are read in one query. */
    Map<String, NodeRef> nodes(Collection<String> ids) {
        Generation g = current;
        Map<String, NodeRef> found = new java.util.HashMap<>();
        List<String> missing = new ArrayList<>();
        for (String id : ids) {
            NodeRef node = id == null ? null : g.nodes.get(id);
            if (node != null) {
                found.put(id, node);
            } else if (id != null) {
                missing.add(id);
            }
        }
        if (!missing.isEmpty()) {
            jdbc.query("select id, type, sink from node where id in (:ids)", new MapSqlParameterSource("ids", missing), rs -> {
                NodeRef node = new NodeRef(rs.getString(2), rs.getString(3));
                g.nodes.put(rs.getString(1), node);
                found.put(rs.getString(1), node);
            });
        }
        return found;
    }

    /** Whether channel {@code id} is one of the hub's channels. */
    public boolean channelExists(String id) {
        if (id == null) {
            return false;
        }
        Generation g = current;
        if (g.channels.contains(id)) {
            return true;
        }
        Boolean exists = jdbc.queryForObject("select exists (select 1 from channel where id = :id)",
                new MapSqlParameterSource("id", id), Boolean.class);
        if (Boolean.TRUE.equals(exists)) {
            g.channels.add(id);
            return true;
        }
        return false;
    }

    /** Drops what is cached now if the reference data changed since it was read; returns the version seen. */
    public long refresh() {
        Long version = jdbc.queryForObject("select version from reference_version where id = 1", Map.of(), Long.class);
        long v = version == null ? 0 : version;
        if (v != current.version) {
            current = new Generation(v);
        }
        return v;
    }

    @Override
    public void start() {
        running = true;
        poller = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "omnihub-reference-cache");
            t.setDaemon(true);
            return t;
        });
        poller.scheduleWithFixedDelay(() -> {
            try {
                refresh();
            } catch (RuntimeException e) {
                // the database is away: believe nothing cached until it answers again
                current = new Generation(-1);
                log.debug("reference version poll failed: {}", e.getMessage());
            }
        }, 0, pollMs, TimeUnit.MILLISECONDS);
    }

    @Override
    public void stop() {
        running = false;
        if (poller != null) {
            poller.shutdownNow();
        }
    }

    @Override
    public boolean isRunning() {
        return running;
    }
}
