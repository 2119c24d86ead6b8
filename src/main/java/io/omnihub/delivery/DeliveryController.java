package io.omnihub.delivery;

import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Operators' view of outbound deliveries: {@code GET /api/deliveries?status=dead&channel=web} lists them (VIEWER),
 * {@code POST /api/deliveries/{id}/replay} sends a dead one again (OPERATOR; refused when a newer figure has
 * replaced it).
 */
@RestController
@RequestMapping("/api/deliveries")
public class DeliveryController {

    private final Deliveries deliveries;

    public DeliveryController(Deliveries deliveries) {
        this.deliveries = deliveries;
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
        Optional<String> refused = deliveries.replay(id);
        if (refused.isPresent()) {
            HttpStatus code = refused.get().startsWith("no delivery") ? HttpStatus.NOT_FOUND : HttpStatus.CONFLICT;
            return ResponseEntity.status(code).body(Map.of("error", code.name(), "reason", refused.get()));
        }
        return ResponseEntity.accepted().body(deliveries.find(id).orElseThrow());
    }
}
