package io.omnihub.cyclecount;

import io.omnihub.inventory.CountTrigger;
import io.omnihub.reference.ReferenceData;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Cycle counts over HTTP: {@code GET /api/cycle-counts} (the latest, by node and status), {@code GET
 * /api/cycle-counts/{id}}, {@code GET /api/cycle-counts/accuracy} (the inventory-accuracy KPI per node), all VIEWER;
 * {@code POST /api/cycle-counts} asks a node for a count (OPERATOR). The roles come from the {@code /api/**} rules of
 * the console's security configuration.
 */
@RestController
@RequestMapping("/api/cycle-counts")
@Tag(name = "Cycle counts", description = "Counts asked of nodes when the hub's signals say a figure is suspect, and what they found against the ledger")
public class CycleCountApi {

    private final CycleCounts counts;
    private final ReferenceData references;

    public CycleCountApi(CycleCounts counts, ReferenceData references) {
        this.counts = counts;
        this.references = references;
    }

    @GetMapping
    @Operation(summary = "The latest cycle counts, newest first: trigger and reason, where the request went, and what the count found (expected, counted, variance, within tolerance)")
    public ResponseEntity<?> recent(@Parameter(description = "only this node") @RequestParam(required = false) String node,
                                    @Parameter(description = "only this status: REQUESTED, SENDING, SENT, FAILED, COUNTED")
                                    @RequestParam(required = false) String status,
                                    @RequestParam(defaultValue = "100") int limit) {
        CycleCounts.Status s = null;
        if (status != null && !status.isBlank()) {
            try {
                s = CycleCounts.Status.valueOf(status.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                return problem(HttpStatus.BAD_REQUEST, "status must be one of " + List.of(CycleCounts.Status.values()));
            }
        }
        return ResponseEntity.ok(counts.recent(node == null || node.isBlank() ? null : node.trim(), s, Math.max(1, Math.min(limit, 1000))));
    }

    @GetMapping("/{id}")
    @Operation(summary = "One cycle count")
    public ResponseEntity<?> get(@PathVariable long id) {
        return counts.find(id).<ResponseEntity<?>>map(ResponseEntity::ok)
                .orElseGet(() -> problem(HttpStatus.NOT_FOUND, "no cycle count " + id));
    }

    @GetMapping("/accuracy")
    @Operation(summary = "Inventory accuracy per node over the KPI window: counts, counts within tolerance, accuracy (their ratio), units of variance, counts still open")
    public Map<String, Object> accuracy() {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("windowDays", counts.kpiWindow().toDays());
        body.put("nodes", counts.accuracy());
        return body;
    }

    /** A count an operator asks for. */
    public record CountRequest(@Schema(description = "the node to count at", example = "WH-NJ1") String node,
                               @Schema(description = "the skus to count") List<String> skus,
                               @Schema(description = "why (kept with the count)") String reason) {
    }

    @PostMapping
    @Operation(summary = "Ask a node to count skus (OPERATOR); answers 202 with the counts asked for (a sku with a count already open is not asked again)",
            responses = {
                    @ApiResponse(responseCode = "202", description = "asked for; the request goes out through the node's sink"),
                    @ApiResponse(responseCode = "400", description = "no node, an unknown node or sku, or no skus")})
    public ResponseEntity<?> request(@RequestBody CountRequest request) {
        if (request == null || request.node() == null || request.node().isBlank()) {
            return problem(HttpStatus.BAD_REQUEST, "node is required");
        }
        if (request.skus() == null || request.skus().isEmpty() || request.skus().stream().anyMatch(s -> s == null || s.isBlank())) {
            return problem(HttpStatus.BAD_REQUEST, "skus must name at least one sku, none blank");
        }
        String node = request.node().trim();
        if (!references.nodeExists(node)) {
            return problem(HttpStatus.BAD_REQUEST, "unknown node " + node);
        }
        List<String> skus = request.skus().stream().map(String::trim).distinct().toList();
        java.util.Set<String> unknown = references.unknownSkus(skus);
        if (!unknown.isEmpty()) {
            return problem(HttpStatus.BAD_REQUEST, "unknown skus " + unknown);
        }
        List<Long> ids = counts.request(node, skus, CountTrigger.OPERATOR,
                request.reason() == null || request.reason().isBlank() ? "asked for by an operator" : request.reason());
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("node", node);
        body.put("requested", ids.stream().map(id -> counts.find(id).orElseThrow()).toList());
        body.put("alreadyOpen", skus.size() - ids.size());
        return ResponseEntity.accepted().body(body);
    }

    private static ResponseEntity<?> problem(HttpStatus status, String reason) {
        return ResponseEntity.status(status).body(Map.of("error", status == HttpStatus.NOT_FOUND ? "NOT_FOUND" : "INVALID", "reason", reason));
    }
}
