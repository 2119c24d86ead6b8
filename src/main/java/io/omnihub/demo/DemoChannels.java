package io.omnihub.demo;

import io.omnihub.connectors.webhook.WebhookSignatures;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.http.ResponseEntity;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.NavigableMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Stand-ins for the web storefront's and the marketplace's receiving ends, for the embedded demo only: with no
 * channel endpoints configured, the hub delivers the demo channels' stock figures and order statuses here, so a
 * newcomer sees every channel's stock change ({@code GET /demo/channels}). Each received callback is checked as the
 * real channel would check it: the web callback's Standard Webhooks signature, the marketplace's auth header.
 * Off in the prod profile ({@code omnihub.demo.channels.enabled=false}).
 */
@RestController
@RequestMapping("/demo/channels")
@ConditionalOnProperty(name = "omnihub.demo.channels.enabled", havingValue = "true")
public class DemoChannels {

    private static final int KEEP = 100;

    /** One callback as the channel received it. */
    public record Received(Instant at, String method, String path, boolean authentic, String body) {
    }

    private final Map<String, Deque<Received>> received = new LinkedHashMap<>();
    private final String webSecret;
    private final String marketplaceAuth;

    private final String webExportAuth;

    public DemoChannels(@Value("${omnihub.channels.web.sink.secret}") String webSecret,
                        @Value("${omnihub.channels.marketplace.sink.auth-value}") String marketplaceAuth,
                        @Value("${omnihub.channels.web.read-back.auth-value:}") String webExportAuth) {
        this.webSecret = webSecret;
        this.marketplaceAuth = marketplaceAuth;
        this.webExportAuth = webExportAuth;
    }

    @PostMapping("/web/callbacks")
    public ResponseEntity<Void> web(@RequestBody byte[] body, HttpServletRequest request,
                                    @RequestHeader(value = "webhook-id", required = false) String id,
                                    @RequestHeader(value = "webhook-timestamp", required = false) String timestamp,
                                    @RequestHeader(value = "webhook-signature", required = false) String signature) {
        String problem = WebhookSignatures.verifyStandardWebhooks(webSecret, id, timestamp, signature, body, 300, Instant.now());
        record("web", request, problem == null, body);
        if (problem == null) {
            applyWebFigure(body);
        }
        return problem == null ? ResponseEntity.noContent().build() : ResponseEntity.status(401).build();
    }

    @PutMapping("/marketplace/api/v1/**")
    public ResponseEntity<Void> marketplace(@RequestBody byte[] body, HttpServletRequest request,
                                            @RequestHeader(value = "Authorization", required = false) String authorization) {
        boolean authentic = marketplaceAuth.equals(authorization);
        record("marketplace", request, authentic, body);
        if (authentic) {
            applyMarketplaceFigure(request.getRequestURI(), body);
        }
        return authentic ? ResponseEntity.noContent().build() : ResponseEntity.status(401).build();
    }

    /** What each demo channel has received, newest first. */
    @GetMapping
    public synchronized Map<String, List<Received>> all() {
        Map<String, List<Received>> copy = new LinkedHashMap<>();
        received.forEach((channel, list) -> copy.put(channel, List.copyOf(list)));
        return copy;
    }

    private synchronized void record(String channel, HttpServletRequest request, boolean authentic, byte[] body) {
        Deque<Received> list = received.computeIfAbsent(channel, c -> new ArrayDeque<>());
        list.addFirst(new Received(Instant.now(), request.getMethod(), request.getRequestURI(), authentic,
                new String(body, StandardCharsets.UTF_8)));
        while (list.size() > KEEP) {
            list.removeLast();
        }
    }

    // --- the marketplace's read-back (reconciliation): the figures it shows, paged, and an admin edit behind the hub's back

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String INVENTORY_PATH = "/demo/channels/marketplace/api/v1/inventory/";
    /** The figure the marketplace shows per sku, in sku order (the read-back's cursor is the last sku of a page). */
    private final NavigableMap<String, Integer> marketplaceFigures = new ConcurrentSkipListMap<>();

    private void applyMarketplaceFigure(String uri, byte[] body) {
        if (uri.startsWith(INVENTORY_PATH)) {
            try {
                JsonNode figure = JSON.readTree(body);
                if (figure.path("available").isNumber()) {
                    marketplaceFigures.put(uri.substring(INVENTORY_PATH.length()), figure.path("available").asInt());
                }
            } catch (IOException notJson) {
                // kept in the received list all the same; a figure it cannot read changes nothing
            }
        }
    }

    /** The marketplace's inventory API: one page of the figures it shows, {"items": [...], "next": cursor or null}. */
    @GetMapping("/marketplace/api/v1/inventory")
    public ResponseEntity<Map<String, Object>> marketplaceInventory(
            @RequestHeader(value = "Authorization", required = false) String authorization,
            @RequestParam(defaultValue = "100") int limit, @RequestParam(defaultValue = "") String cursor) {
        if (!marketplaceAuth.equals(authorization)) {
            return ResponseEntity.status(401).build();
        }
        Map<String, Object> page = new LinkedHashMap<>();
        List<Map<String, Object>> items = new ArrayList<>();
        var rest = cursor.isEmpty() ? marketplaceFigures : marketplaceFigures.tailMap(cursor, false);
        String last = null;
        for (Map.Entry<String, Integer> e : rest.entrySet()) {
            if (items.size() >= Math.max(1, Math.min(limit, 1000))) {
                break;
            }
            items.add(Map.of("sku", e.getKey(), "available", e.getValue()));
            last = e.getKey();
        }
        page.put("items", items);
        page.put("next", last != null && marketplaceFigures.higherKey(last) != null ? last : null);
        return ResponseEntity.ok(page);
    }

    /**
     * Someone edits a figure in the marketplace's admin, behind the hub's back: {@code PUT
     * /demo/channels/marketplace/admin/inventory/{sku}} with {@code {"available": n}} and the marketplace's credential.
     * A reconciliation run finds it and puts the hub's figure back.
     */
    @PutMapping("/marketplace/admin/inventory/{sku}")
    public ResponseEntity<Void> marketplaceAdminEdit(@PathVariable String sku, @RequestBody byte[] body,
                                                     @RequestHeader(value = "Authorization", required = false) String authorization) {
        return adminEdit(marketplaceFigures, sku, body, marketplaceAuth.equals(authorization));
    }

    /** An edit in a channel's admin: {@code {"available": n}} (a whole number, not negative) replaces its figure. */
    private static ResponseEntity<Void> adminEdit(Map<String, Integer> figures, String sku, byte[] body, boolean authentic) {
        if (!authentic) {
            return ResponseEntity.status(401).build();
        }
        try {
            JsonNode figure = JSON.readTree(body);
            if (!figure.path("available").isInt() || figure.path("available").asInt() < 0) {
                return ResponseEntity.badRequest().build();
            }
            figures.put(sku, figure.path("available").asInt());
            return ResponseEntity.noContent().build();
        } catch (IOException e) {
            return ResponseEntity.badRequest().build();
        }
    }

    // --- the web storefront's read-back (reconciliation): the figures it shows as a CSV stock export, and an admin edit

    /** The figure the storefront shows per sku (from the signed figure callbacks it accepted). */
    private final NavigableMap<String, Integer> webFigures = new ConcurrentSkipListMap<>();

    private void applyWebFigure(byte[] body) {
        try {
            JsonNode data = JSON.readTree(body).path("data");
            if (data.path("sku").isTextual() && data.path("available").isNumber() && !data.has("orderId")) {
                webFigures.put(data.path("sku").asText(), data.path("available").asInt());
            }
        } catch (IOException notJson) {
            // kept in the received list all the same
        }
    }

    /** The storefront's stock export: every figure it shows, CSV {@code sku,available}, with the export's credential. */
    @GetMapping(value = "/web/stock-export", produces = "text/csv")
    public ResponseEntity<String> webStockExport(@RequestHeader(value = "Authorization", required = false) String authorization) {
        if (!webExportAuth.equals(authorization)) {
            return ResponseEntity.status(401).build();
        }
        StringBuilder csv = new StringBuilder("sku,available\n");
        webFigures.forEach((sku, available) -> csv.append(sku.indexOf(',') >= 0 || sku.indexOf('"') >= 0
                ? '"' + sku.replace("\"", "\"\"") + '"' : sku).append(',').append(available).append('\n'));
        return ResponseEntity.ok(csv.toString());
    }

    /**
     * Someone edits a figure in the storefront's admin, behind the hub's back: {@code PUT
     * /demo/channels/web/admin/stock/{sku}} with {@code {"available": n}} and the export's credential.
     */
    @PutMapping("/web/admin/stock/{sku}")
    public ResponseEntity<Void> webAdminEdit(@PathVariable String sku, @RequestBody byte[] body,
                                             @RequestHeader(value = "Authorization", required = false) String authorization) {
        return adminEdit(webFigures, sku, body, webExportAuth.equals(authorization));
    }
}
