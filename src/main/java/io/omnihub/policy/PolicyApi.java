package io.omnihub.policy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.omnihub.canonical.CanonicalOrder;
import io.omnihub.canonical.ErrorCategory;
import io.omnihub.canonical.OrderLine;
import io.omnihub.canonical.RejectedMessageException;
import io.omnihub.inventory.StockViews;
import io.omnihub.routing.OrderRouter;
import io.omnihub.routing.RoutingDecision;
import io.omnihub.routing.RoutingPolicy;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

import java.math.BigDecimal;
import java.security.Principal;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * The routing policy for operators: versions (list, one, new), activation and rollback, scheduled windows, the
 * pilot, and a test drive of one order against current stock. The author of a change is the logged-in user.
 */
@RestController
@RequestMapping("/api/routing")
public class PolicyApi {

    private final PolicyStore store;
    private final StockViews views;
    private final OrderRouter router;
    private final ObjectMapper mapper;

    public PolicyApi(PolicyStore store, StockViews views, OrderRouter router, ObjectMapper mapper) {
        this.store = store;
        this.views = views;
        this.router = router;
        this.mapper = mapper;
    }

    /**
     * A new version: {@code document} is the policy as YAML or JSON text, or as a JSON object (either the policy
     * itself or wrapped in omnihub.routing like routing/policy.yaml); an optional window puts it in force for a time.
     */
    public record NewVersion(JsonNode document, String comment, Instant windowStart, Instant windowEnd) {
    }

    /** A window; both null clears it. */
    public record Window(Instant start, Instant end) {
    }

    /** A pilot: every criterion given must match. */
    public record PilotRequest(BigDecimal percent, String channel, String region) {
    }

    /** One order (canonical form; orderId optional) and the policy to try: a version, a document, or neither (in force). */
    public record TestDrive(JsonNode order, Integer version, JsonNode document) {
    }

    @GetMapping("/policies")
    public Map<String, Object> list() {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("inForce", store.inForce());
        body.put("versions", store.versions());
        body.put("activations", store.activations());
        return body;
    }

    @GetMapping("/policies/{version}")
    public Map<String, Object> get(@PathVariable int version) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("version", store.version(version));
        body.put("document", store.document(version));
        body.put("policy", store.policy(version));
        return body;
    }

    @PostMapping("/policies")
    @ResponseStatus(HttpStatus.CREATED)
    public PolicyStore.Version create(@RequestBody NewVersion body, Principal user) {
        if (body == null || body.document() == null || body.document().isNull()) {
            throw new InvalidPolicyException(java.util.List.of(new InvalidPolicyException.Problem("$",
                    "document: is required (the policy as YAML or JSON text, or a JSON object)")));
        }
        int version = store.create(body.document(), user.getName(), body.comment(), body.windowStart(), body.windowEnd());
        return store.version(version);
    }

    @PostMapping("/policies/{version}/activate")
    public PolicyStore.InForce activate(@PathVariable int version, Principal user) {
        return store.activate(version, user.getName());
    }

    @PostMapping("/policies/{version}/schedule")
    public PolicyStore.Version schedule(@PathVariable int version, @RequestBody Window window) {
        store.schedule(version, window == null ? null : window.start(), window == null ? null : window.end());
        return store.version(version);
    }

    @DeleteMapping("/policies/{version}/schedule")
    public PolicyStore.Version unschedule(@PathVariable int version) {
        store.schedule(version, null, null);
        return store.version(version);
    }

    @PostMapping("/policies/{version}/pilot")
    public PolicyStore.InForce pilot(@PathVariable int version, @RequestBody PilotRequest body, Principal user) {
        store.startPilot(version, body.percent(), blank(body.channel()), blank(body.region()), user.getName());
        return store.inForce();
    }

    @DeleteMapping("/pilot")
    public PolicyStore.InForce stopPilot() {
        store.stopPilot();
        return store.inForce();
    }

    /** Routes one order against current stock with the given policy; nothing is reserved or written. */
    @PostMapping("/test-drive")
    public RoutingDecision testDrive(@RequestBody TestDrive body) {
        if (body == null || body.order() == null || !body.order().isObject()) {
            throw new RejectedMessageException(ErrorCategory.INVALID, "order: is required (a canonical order)");
        }
        CanonicalOrder order = order(body.order());
        RoutingPolicy policy = body.document() != null && !body.document().isNull()
                ? store.documents().require(body.document().isTextual() ? store.documents().parse(body.document().asText())
                        : store.documents().unwrap(body.document()), "test-drive")
                : body.version() != null ? store.policy(body.version()) : store.policy(store.inForce().version());
        Set<String> skus = new LinkedHashSet<>();
        order.lines().forEach(l -> skus.add(l.sku()));
        return router.route(order, views.build(order.channel(), skus, Set.of(), policy.scoring().load() > 0), policy);
    }

    private CanonicalOrder order(JsonNode node) {
        CanonicalOrder o;
        try {
            o = mapper.treeToValue(node, CanonicalOrder.class);
        } catch (Exception e) {
            throw new RejectedMessageException(ErrorCategory.INVALID, "order: not a canonical order: " + e.getMessage());
        }
        if (o.channel() == null || o.fulfillmentType() == null || o.lines() == null || o.lines().isEmpty()) {
            throw new RejectedMessageException(ErrorCategory.INVALID, "order: channel, fulfillmentType and lines are required");
        }
        for (OrderLine l : o.lines()) {
            if (l.sku() == null || l.quantity() <= 0) {
                throw new RejectedMessageException(ErrorCategory.INVALID, "order.lines: every line needs a sku and a positive quantity");
            }
        }
        return o.orderId() == null ? o.withOrderId("TEST-DRIVE") : o;
    }

    private static String blank(String s) {
        return s == null || s.isBlank() ? null : s;
    }
}
