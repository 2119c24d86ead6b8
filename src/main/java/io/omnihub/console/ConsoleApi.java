package io.omnihub.console;

import io.omnihub.observability.Progress;
import io.omnihub.observability.RouteStats;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.servlet.http.HttpServletRequest;
import org.springframework.http.HttpStatus;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.web.csrf.CsrfToken;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ResponseStatusException;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The console's API: read views of routes, connectors, inventory, orders and failures (VIEWER or OPERATOR), and
 * the replays (OPERATOR only; see {@link SecurityConfig}). Everything is under {@code /api/console}.
 */
@RestController
@RequestMapping("/api/console")
@Tag(name = "Console", description = "Operator console: overview, inventory, orders, failures and replays")
public class ConsoleApi {

    private final ConsoleQueries queries;
    private final RouteStats routes;
    private final ConnectorStatus connectors;
    private final Progress progress;
    private final Replays replays;
    private final Cancellations cancellations;

    public ConsoleApi(ConsoleQueries queries, RouteStats routes, ConnectorStatus connectors, Progress progress, Replays replays,
                      Cancellations cancellations) {
        this.cancellations = cancellations;
        this.queries = queries;
        this.routes = routes;
        this.connectors = connectors;
        this.progress = progress;
        this.replays = replays;
    }

    @GetMapping("/me")
    @Operation(summary = "The signed-in user, its roles, whether it may act, and the CSRF token for the console's own POSTs")
    public Map<String, Object> me(Authentication auth, HttpServletRequest request) {
        List<String> roles = auth.getAuthorities().stream().map(GrantedAuthority::getAuthority)
                .map(a -> a.replaceFirst("^ROLE_", "")).sorted().toList();
        Map<String, Object> me = new LinkedHashMap<>();
        me.put("name", auth.getName());
        me.put("roles", roles);
        me.put("canOperate", roles.contains(SecurityConfig.OPERATOR));
        CsrfToken csrf = (CsrfToken) request.getAttribute(CsrfToken.class.getName());
        if (csrf != null) {
            me.put("csrfHeader", csrf.getHeaderName());
            me.put("csrfToken", csrf.getToken());
        }
        return me;
    }

    @GetMapping("/overview")
    @Operation(summary = "Every Camel route with state, exchanges per minute, failures and last error; connector health; long-running jobs; headline counts")
    public Map<String, Object> overview() {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("at", Instant.now());
        o.put("routes", routes.routes());
        o.put("connectors", connectors.status());
        o.put("progress", progress.jobs().stream().map(ConsoleEvents::job).toList());
        o.put("counts", queries.counts());
        return o;
    }

    @GetMapping("/inventory")
    @Operation(summary = "Skus by node (on hand, reserved, safety stock, available to promise) and the ATS last sent per channel; q filters by sku or name")
    public Map<String, Object> inventory(@RequestParam(required = false) String q,
                                         @RequestParam(defaultValue = "50") int limit,
                                         @RequestParam(defaultValue = "0") int offset) {
        return queries.inventory(q, Math.min(Math.max(limit, 1), 500), Math.max(offset, 0));
    }

    @GetMapping("/orders")
    @Operation(summary = "The latest orders with channel, status and chosen nodes; q filters by id, channel order id, channel or status")
    public List<Map<String, Object>> orders(@RequestParam(required = false) String q,
                                            @RequestParam(defaultValue = "100") int limit) {
        return queries.orders(q, Math.min(Math.max(limit, 1), 1000));
    }

    @GetMapping("/orders/{id}")
    @Operation(summary = "One order: lines, reservations, routing decision (raw and in sentences), timeline, channel callbacks")
    public Map<String, Object> order(@PathVariable String id) {
        Map<String, Object> o = queries.order(id);
        if (o == null) {
            throw new ResponseStatusException(HttpStatus.NOT_FOUND, "no order " + id);
        }
        return o;
    }

    @GetMapping("/failures")
    @Operation(summary = "Open dead letters (all=true adds replayed ones) and dead deliveries, with error and original payload")
    public Map<String, Object> failures(@RequestParam(defaultValue = "false") boolean all) {
        return queries.failures(all);
    }

    @GetMapping("/charts")
    @Operation(summary = "Per-minute buckets over the last minutes (default 60): orders per channel and inventory sync lag (p50, p95, max ms)")
    public Map<String, Object> charts(@RequestParam(defaultValue = "60") int minutes) {
        return queries.charts(Math.min(Math.max(minutes, 5), 24 * 60));
    }

    @PostMapping("/dead-letters/{id}/replay")
    @Operation(summary = "Re-run a dead letter through the route it came from (OPERATOR)")
    public Replays.Result replayDeadLetter(@PathVariable long id, Authentication auth) {
        return replays.replayDeadLetter(id, auth.getName());
    }

    @PostMapping("/orders/{id}/cancel")
    @Operation(summary = "Cancel an order that has not shipped: releases its reservations and tells the channel (OPERATOR)")
    public Cancellations.Result cancel(@PathVariable String id, @RequestParam(required = false) String reason, Authentication auth) {
        return cancellations.cancel(id, auth.getName(), reason);
    }

    @PostMapping("/deliveries/{id}/replay")
    @Operation(summary = "Replay a dead delivery as POST /api/deliveries/{id}/replay does: sent again, or for a stale figure the newest one of its channel and sku (OPERATOR)")
    public Replays.Result replayDelivery(@PathVariable long id, Authentication auth) {
        return replays.replayDelivery(id, auth.getName());
    }
}
