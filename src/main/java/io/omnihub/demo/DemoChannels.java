package io.omnihub.demo;

import io.omnihub.connectors.WebhookSignatures;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

import jakarta.servlet.http.HttpServletRequest;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayDeque;
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

    public DemoChannels(@Value("${omnihub.sync.channels.web.secret}") String webSecret,
                        @Value("${omnihub.sync.channels.marketplace.auth-value}") String marketplaceAuth) {
        this.webSecret = webSecret;
        this.marketplaceAuth = marketplaceAuth;
    }

    @PostMapping("/web/callbacks")
    public ResponseEntity<Void> web(@RequestBody byte[] body, HttpServletRequest request,
                                    @RequestHeader(value = "webhook-id", required = false) String id,
                                    @RequestHeader(value = "webhook-timestamp", required = false) String timestamp,
                                    @RequestHeader(value = "webhook-signature", required = false) String signature) {
        String problem = WebhookSignatures.verifyStandardWebhooks(webSecret, id, timestamp, signature, body, 300, Instant.now());
        record("web", request, problem == null, body);
        return problem == null ? ResponseEntity.noContent().build() : ResponseEntity.status(401).build();
    }

    @PutMapping("/marketplace/api/v1/**")
    public ResponseEntity<Void> marketplace(@RequestBody byte[] body, HttpServletRequest request,
                                            @RequestHeader(value = "Authorization", required = false) String authorization) {
        boolean authentic = marketplaceAuth.equals(authorization);
        record("marketplace", request, authentic, body);
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
}
