package io.omnihub.delivery;

import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.transaction.support.TransactionTemplate;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Operators' view of outbound deliveries: {@code GET /api/deliveries?status=dead&channel=web} lists them (VIEWER),
 * {@code POST /api/deliveries/{id}/replay} sends a dead one again (OPERATOR; see {@link Deliveries#replay}: an
 * available-to-sell figure is never sent stale, the newest figure of its channel and sku goes instead: 202 with the
 * queued row; 200 with the row marked SUPERSEDED when a newer figure is already queued or delivered).
 */
@RestController
@RequestMapping("/api/deliveries")
public class DeliveryController {

    private final Deliveries deliveries;
    private final TransactionTemplate tx;

    public DeliveryController(Deliveries deliveries, TransactionTemplate tx) {
        this.deliveries = deliveries;
        this.tx = tx;
    }

    @GetMapping
    public ResponseEntity<?> list(@RequestParam(required = false) String status,
                                  @RequestParam(required = false) String channel,
                                  @RequestParam(defaultValue = "100") int limit) {
        Delivery.Status s = null;
        if (status != null && !status.isBlank()) {
            try {
                s = Delivery.Status.valueOf(status.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                return ResponseEntity.badRequest().body(Map.of("error", "INVALID",
                        "reason", "status must be one of " + List.of(Delivery.Status.values())));
            }
        }
        return ResponseEntity.ok(deliveries.list(s, channel == null || channel.isBlank() ? null : channel,
                Math.max(1, Math.min(limit, 1000))));
    }

    @PostMapping("/{id}/replay")
    public ResponseEntity<?> replay(@PathVariable long id) {
        Deliveries.Replay r = tx.execute(s -> deliveries.replay(id));
        return switch (r.outcome()) {
            case NOT_FOUND -> ResponseEntity.status(HttpStatus.NOT_FOUND).body(Map.of("error", "NOT_FOUND", "reason", r.message()));
            case NOT_DEAD -> ResponseEntity.status(HttpStatus.CONFLICT).body(Map.of("error", "CONFLICT", "reason", r.message()));
            // nothing sent: a newer figure is already queued or delivered, this stale one is now SUPERSEDED
            case SUPERSEDED -> ResponseEntity.ok(deliveries.find(id).orElseThrow());
            // the queued row: this one, or the newest figure of the same channel and sku
            case QUEUED, REPLACED -> ResponseEntity.accepted().body(deliveries.find(r.queuedId()).orElseThrow());
        };
    }
}
