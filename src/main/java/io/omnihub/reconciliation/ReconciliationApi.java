package io.omnihub.reconciliation;

import io.omnihub.channels.ReadBack;
import io.omnihub.cyclecount.CycleCounts;
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

import java.net.URI;
import java.time.LocalDate;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reconciliation runs over HTTP: {@code POST /api/reconciliations} starts one (OPERATOR), {@code GET
 * /api/reconciliations/{id}} shows its progress and drifts, {@code GET /api/reconciliations} the recent runs
 * (VIEWER). The roles come from the {@code /api/**} rules of the console's security configuration.
 */
@RestController
@RequestMapping("/api/reconciliations")
@Tag(name = "Reconciliation", description = "Compare what a channel shows with what the hub says it should, and repair the drift")
public class ReconciliationApi {

    private final ReconciliationRuns runs;
    private final Reconciliations reconciliations;
    private final CycleCounts cycleCounts;

    public ReconciliationApi(ReconciliationRuns runs, Reconciliations reconciliations, CycleCounts cycleCounts) {
        this.runs = runs;
        this.reconciliations = reconciliations;
        this.cycleCounts = cycleCounts;
    }

    /** What to reconcile: a channel, optionally only some of its skus, optionally without repairing. */
    public record StartRequest(
            @Schema(description = "the channel to read back", example = "marketplace") String channel,
            @Schema(description = "only these skus (default: the channel's whole catalogue)") List<String> skus,
            @Schema(description = "record drifts without repairing them (default false; a channel configured report-only never repairs)")
            Boolean reportOnly) {
    }

    @PostMapping
    @Operation(summary = "Start a reconciliation run of a channel (OPERATOR); answers 202 with the run's id and progress",
            responses = {
                    @ApiResponse(responseCode = "202", description = "queued; Location is the run"),
                    @ApiResponse(responseCode = "400", description = "no channel, a channel that cannot be read back, or an empty sku list")})
    public ResponseEntity<?> start(@RequestBody StartRequest request) {
        if (request == null || request.channel() == null || request.channel().isBlank()) {
            return problem("channel is required");
        }
        long id;
        try {
            id = runs.start(request.channel().trim(), request.skus(), Boolean.TRUE.equals(request.reportOnly()), "API");
        } catch (ReconciliationRuns.InvalidRequest e) {
            return problem(e.getMessage());
        }
        return ResponseEntity.accepted().location(URI.create("/api/reconciliations/" + id))
                .body(reconciliations.find(id).orElseThrow());
    }

    @GetMapping("/channels")
    @Operation(summary = "The channels that can be read back (and so reconciled), with their schedule and whether they only report")
    public List<Map<String, Object>> channels() {
        return runs.readable().stream().map(id -> {
            ReadBack c = runs.config(id);
            Map<String, Object> channel = new LinkedHashMap<>();
            channel.put("channel", id);
            channel.put("intervalSeconds", c.interval().toSeconds());
            channel.put("reportOnly", c.reportOnly());
            return channel;
        }).toList();
    }

    @GetMapping("/kpis")
    @Operation(summary = "Inventory KPIs over the KPI window: accuracy and units of variance per node (cycle counts), drift per channel per day, time to repair a drift per channel")
    public Map<String, Object> kpis() {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("windowDays", cycleCounts.kpiWindow().toDays());
        body.put("accuracy", cycleCounts.accuracy());
        body.put("driftPerDay", reconciliations.driftPerDay(cycleCounts.kpiWindow()));
        body.put("timeToRepair", reconciliations.repairTimes(cycleCounts.kpiWindow()));
        return body;
    }

    @GetMapping("/drifts")
    @Operation(summary = "The drifts found at a channel on one day (UTC): the rows behind a bar of the drift-per-day KPI")
    public ResponseEntity<?> driftsOn(@RequestParam String channel,
                                      @Parameter(description = "the day, YYYY-MM-DD (UTC)") @RequestParam String day,
                                      @RequestParam(defaultValue = "1000") int limit) {
        LocalDate date;
        try {
            date = LocalDate.parse(day);
        } catch (java.time.format.DateTimeParseException e) {
            return problem("day must be a date, YYYY-MM-DD: " + day);
        }
        return ResponseEntity.ok(reconciliations.driftsOn(channel, date, Math.max(1, Math.min(limit, 10_000))));
    }

    @GetMapping("/{id}")
    @Operation(summary = "A run: progress (pages, skus read), drifts found and repaired, and its drifts with their causes")
    public ResponseEntity<?> get(@PathVariable long id,
                                 @Parameter(description = "how many drifts to list at most") @RequestParam(defaultValue = "1000") int drifts) {
        return reconciliations.find(id).<ResponseEntity<?>>map(run -> {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("run", run);
            body.put("drifts", reconciliations.drifts(id, Math.max(0, Math.min(drifts, 10_000))));
            return ResponseEntity.ok(body);
        }).orElseGet(() -> ResponseEntity.status(HttpStatus.NOT_FOUND)
                .body(Map.of("error", "NOT_FOUND", "reason", "no reconciliation " + id)));
    }

    @GetMapping
    @Operation(summary = "The latest runs, newest first, of one channel or all")
    public List<Reconciliations.Run> recent(@RequestParam(required = false) String channel,
                                            @RequestParam(defaultValue = "50") int limit) {
        return reconciliations.recent(channel == null || channel.isBlank() ? null : channel, Math.max(1, Math.min(limit, 500)));
    }

    private static ResponseEntity<?> problem(String reason) {
        return ResponseEntity.badRequest().body(Map.of("error", "INVALID", "reason", reason));
    }
}
