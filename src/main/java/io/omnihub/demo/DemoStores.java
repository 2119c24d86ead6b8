package io.omnihub.demo;

import org.springframework.boot.autoconfigure.condition.ConditionalOnExpression;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A stand-in for the stores' fulfillment endpoints (nodes with sink STORE_HTTP, the demo's ST-MAN and ST-BRK), for the
 * embedded demo only, as {@link DemoChannels} stands in for the channels: with no store URL configured, the hub's
 * {@code omnihub.stores.http-base-url} points here, so a demo order routed to a store reaches a store that keeps it
 * ({@code GET /demo/stores}) instead of a port where nothing listens. It serves only while the store URL points at it
 * (a real store system configured with {@code OMNIHUB_STORES_HTTP_BASE_URL} turns it off) and never in the prod
 * profile ({@code omnihub.demo.stores.enabled=false}).
 */
@RestController
@RequestMapping("/demo/stores")
@ConditionalOnExpression("'${omnihub.demo.stores.enabled:false}' == 'true' and '${omnihub.stores.http-base-url:}'.endsWith('/demo')")
public class DemoStores {

    private static final int KEEP = 100;

    /** One fulfillment request as the store received it. */
    public record Received(Instant at, String body) {
    }

    private final Map<String, Deque<Received>> received = new TreeMap<>();

    /** A store takes the request (a fulfillment request, or a cycle count) as a real store system would: 202, then acts on it. */
    @PostMapping({"/{node}/fulfillment-requests", "/{node}/cycle-counts"})
    public ResponseEntity<Map<String, Object>> request(@PathVariable("node") String node, @RequestBody byte[] body) {
        keep(node, new String(body, StandardCharsets.UTF_8));
        return ResponseEntity.accepted().body(Map.of("accepted", true, "node", node));
    }

    /** What each store has received, newest first. */
    @GetMapping
    public synchronized Map<String, List<Received>> all() {
        Map<String, List<Received>> copy = new TreeMap<>();
        received.forEach((node, list) -> copy.put(node, List.copyOf(list)));
        return copy;
    }

    private synchronized void keep(String node, String body) {
        Deque<Received> list = received.computeIfAbsent(node, n -> new ArrayDeque<>());
        list.addFirst(new Received(Instant.now(), body));
        while (list.size() > KEEP) {
            list.removeLast();
        }
    }
}
