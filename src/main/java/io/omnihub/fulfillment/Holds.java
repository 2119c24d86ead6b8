package io.omnihub.fulfillment;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.omnihub.canonical.CanonicalOrder;
import io.omnihub.canonical.ErrorCategory;
import io.omnihub.canonical.FulfillmentType;
import io.omnihub.canonical.NotFoundException;
import io.omnihub.canonical.OrderLine;
import io.omnihub.canonical.RejectedMessageException;
import io.omnihub.inventory.StockLedger;
import io.omnihub.inventory.StockViews;
import io.omnihub.orders.IntakeResult;
import io.omnihub.canonical.OrderIds;
import io.omnihub.orders.OrderIntake;
import io.omnihub.reference.ReferenceData;
import io.omnihub.routing.OrderRouter;
import io.omnihub.routing.PolicySource;
import io.omnihub.routing.RoutingDecision;
import io.omnihub.routing.StockView;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.PessimisticLockingFailureException;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

/**
 * Soft allocation (bean {@code holds}): a channel holds stock for a cart for a limited time. A hold is routed
 * like a ship-to-home order of the channel and reserves through the {@link StockLedger} (reservation rows with
 * {@code hold_id} and {@code expires_at}); an expired hold is released by a scheduled job (SKIP LOCKED, so several
 * hub instances share it); converting a hold makes it an order whose reservations are the held ones.
 */
@Component("holds")
public class Holds {

    private static final Logger log = LoggerFactory.getLogger(Holds.class);

    private final NamedParameterJdbcTemplate jdbc;
    private final TransactionTemplate tx;
    private final StockLedger ledger;
    private final StockViews views;
    private final OrderRouter router;
    private final PolicySource policies;
    private final OrderRouting routing;
    private final Reservations reservations;
    private final OrderIntake intake;
    private final RoutingMetrics metrics;
    private final FulfillmentProperties props;
    private final ObjectMapper mapper;
    private final ReferenceData references;

    public Holds(NamedParameterJdbcTemplate jdbc, TransactionTemplate tx, StockLedger ledger, StockViews views,
                 OrderRouter router, PolicySource policies, OrderRouting routing, Reservations reservations, OrderIntake intake,
                 RoutingMetrics metrics, FulfillmentProperties props, ObjectMapper mapper, ReferenceData references) {
        this.references = references;
        this.jdbc = jdbc;
        this.tx = tx;
        this.ledger = ledger;
        this.views = views;
        this.router = router;
        this.policies = policies;
        this.routing = routing;
        this.reservations = reservations;
        this.intake = intake;
        this.metrics = metrics;
        this.props = props;
        this.mapper = mapper;
    }

    /** A line of a hold request. */
    public record HoldLine(String sku, int quantity) {
    }

    /** A hold and where its units are reserved; {@code decision} explains a hold that could not be made. */
    public record Hold(String holdId, String channel, String status, Instant expiresAt, String orderId,
                       List<Map<String, Object>> reservations, RoutingDecision decision) {
    }

    /** Thrown when the channel's nodes cannot hold the requested units; carries the explanation. */
    public static class NotAvailableException extends RuntimeException {
        private final transient RoutingDecision decision;

        public NotAvailableException(RoutingDecision decision) {
            super("cannot hold: " + decision.summary());
            this.decision = decision;
        }

        public RoutingDecision decision() {
            return decision;
        }
    }

    /** Holds {@code lines} for {@code channel} for {@code minutes} (default from configuration). */
    public Hold create(String channel, List<HoldLine> lines, Integer minutes) {
        int life = minutes == null ? props.holdDefaultMinutes() : minutes;
        if (life < 1 || life > 24 * 60) {
            throw new RejectedMessageException(ErrorCategory.INVALID, "minutes: must be between 1 and 1440, was " + life);
        }
        references.requireChannel("channel", channel);
        if (lines == null || lines.isEmpty()) {
            throw new RejectedMessageException(ErrorCategory.INVALID, "lines: at least one line is required");
        }
        List<OrderLine> orderLines = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            HoldLine l = lines.get(i);
            if (l == null || l.sku() == null || l.quantity() < 1) {
                throw new RejectedMessageException(ErrorCategory.INVALID, "lines[" + i + "]: needs a sku and a positive quantity");
            }
            orderLines.add(new OrderLine(i + 1, l.sku(), l.quantity(), null));
        }
        Set<String> skus = orderLines.stream().map(OrderLine::sku).collect(Collectors.toSet());
        references.requireSkus("lines", skus);
        String holdId = "H-" + UUID.randomUUID().toString().substring(0, 18).toUpperCase();
        CanonicalOrder cart = new CanonicalOrder(holdId, channel, holdId, Instant.now(), null, null,
                FulfillmentType.SHIP_TO_HOME, null, orderLines, null);
        for (int attempt = 1; attempt <= props.maxAttempts(); attempt++) {
            try {
                Boolean made = tx.execute(s -> {
                    jdbc.update("insert into hold (id, channel, status, expires_at) values (:id, :c, 'ACTIVE', now() + make_interval(mins => :m))",
                            new MapSqlParameterSource("id", holdId).addValue("c", channel).addValue("m", life));
                    for (OrderLine l : orderLines) {
                        jdbc.update("insert into hold_line (hold_id, line_no, sku, quantity) values (:h, :n, :sku, :q)",
                                new MapSqlParameterSource("h", holdId).addValue("n", l.lineNo()).addValue("sku", l.sku()).addValue("q", l.quantity()));
                    }
                    StockView view = views.build(channel, skus, Set.of(), false);
                    RoutingDecision d = router.route(cart, view, policies.choose(cart).policy());
                    if (!d.routed()) {
                        s.setRollbackOnly();
                        throw new NotAvailableException(d);
                    }
                    if (!reservations.reserveAll(d.shipments(), holdId)) {
                        s.setRollbackOnly();
                        return false;
                    }
                    reservations.insert(null, holdId, d.shipments());
                    return true;
                });
                if (Boolean.TRUE.equals(made)) {
                    return get(holdId);
                }
            } catch (PessimisticLockingFailureException e) {
                // lost a race: try again on fresh figures
            }
            metrics.conflict();
        }
        throw new IllegalStateException("hold for " + channel + " lost the race for stock " + props.maxAttempts() + " times; try again");
    }

    /** The hold with its reservations; null when unknown. */
    public Hold get(String holdId) {
        List<Hold> found = jdbc.query("select id, channel, status, expires_at, order_id from hold where id = :id",
                new MapSqlParameterSource("id", holdId), (rs, i) -> new Hold(rs.getString(1), rs.getString(2), rs.getString(3),
                        rs.getTimestamp(4).toInstant(), rs.getString(5), reservationsOf(rs.getString(1)), null));
        return found.isEmpty() ? null : found.get(0);
    }

    private List<Map<String, Object>> reservationsOf(String holdId) {
        return jdbc.queryForList("select id, line_no as \"lineNo\", node_id as \"nodeId\", sku, quantity, status, order_id as \"orderId\" "
                + "from reservation where hold_id = :h order by id", new MapSqlParameterSource("h", holdId));
    }

    /** Releases an active hold (the cart was abandoned); a hold that is no longer active is left as it is. */
    public Hold release(String holdId) {
        tx.executeWithoutResult(s -> {
            if (lockActive(holdId) != null) {
                releaseLocked(holdId, "RELEASED", "hold released");
            }
        });
        return requireHold(holdId);
    }

    /** Releases every expired hold; SKIP LOCKED lets several hub instances share the work. Returns how many. */
    @Scheduled(fixedDelayString = "${omnihub.fulfillment.hold-expiry-interval-ms:5000}",
            initialDelayString = "${omnihub.fulfillment.hold-expiry-interval-ms:5000}")
    public int expireDue() {
        int total = 0;
        try {
            int n;
            do {
                Integer done = tx.execute(s -> {
                    List<String> due = jdbc.queryForList("select id from hold where status = 'ACTIVE' and expires_at <= now() "
                            + "order by expires_at limit 100 for update skip locked", new MapSqlParameterSource(), String.class);
                    due.forEach(id -> releaseLocked(id, "EXPIRED", "hold expired"));
                    return due.size();
                });
                n = done == null ? 0 : done;
                total += n;
            } while (n == 100);
        } catch (RuntimeException e) {
            log.warn("Hold expiry failed, will try again: {}", e.getMessage());
        }
        if (total > 0) {
            log.info("Released {} expired hold(s)", total);
        }
        return total;
    }

    /**
     * Turns an active hold into an order of its channel: {@code order} gives channelOrderId, customer, shipTo,
     * fulfillmentType, pickupStore and currency; the lines are the hold's. The order is accepted like any other
     * and routed at once onto the held reservations.
     */
    public OrderRouting.Outcome convert(String holdId, JsonNode order) {
        if (order == null || !order.path("channelOrderId").isTextual()) {
            throw new RejectedMessageException(ErrorCategory.INVALID, "channelOrderId: is required to convert a hold");
        }
        String[] channel = new String[1];
        String orderId = tx.execute(s -> {
            String ch = lockActive(holdId);
            if (ch == null) {
                Hold h = requireHold(holdId);
                throw new IllegalStateException("hold " + holdId + " is " + h.status() + " and cannot be converted");
            }
            channel[0] = ch;
            String id = OrderIds.of(ch, order.get("channelOrderId").asText());
            // keep the units until the order is routed onto them, even if the hold was about to expire
            jdbc.update("update hold set order_id = :o, expires_at = greatest(expires_at, now() + interval '5 minutes') where id = :h",
                    new MapSqlParameterSource("o", id).addValue("h", holdId));
            return id;
        });
        ObjectNode canonical = order.deepCopy();
        canonical.remove(List.of("orderId", "channel", "lines"));
        if (!canonical.hasNonNull("placedAt")) {
            canonical.put("placedAt", Instant.now().toString());
        }
        if (!canonical.hasNonNull("fulfillmentType")) {
            canonical.put("fulfillmentType", FulfillmentType.SHIP_TO_HOME.name());
        }
        if (!canonical.hasNonNull("currency")) {
            canonical.put("currency", "USD");
        }
        ArrayNode lines = canonical.putArray("lines");
        jdbc.query("select line_no, sku, quantity from hold_line where hold_id = :h order by line_no",
                new MapSqlParameterSource("h", holdId), rs -> {
                    lines.addObject().put("lineNo", rs.getInt(1)).put("sku", rs.getString(2)).put("quantity", rs.getInt(3));
                });
        IntakeResult accepted;
        try {
            accepted = intake.accept(channel[0], mapper.writeValueAsString(canonical));
        } catch (RuntimeException | JsonProcessingException e) {
            jdbc.update("update hold set order_id = null where id = :h and status = 'ACTIVE'", new MapSqlParameterSource("h", holdId));
            if (e instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException(e);
        }
        return routing.route(accepted.orderId(), OrderRouting.NEW);
    }

    private Hold requireHold(String holdId) {
        Hold h = get(holdId);
        if (h == null) {
            throw new NotFoundException("hold " + holdId + " is not known");
        }
        return h;
    }

    /** Locks an active, unexpired-or-not hold row; returns its channel, or null when it is not active. */
    private String lockActive(String holdId) {
        requireHold(holdId);
        return jdbc.queryForList("select channel from hold where id = :h and status = 'ACTIVE' for update",
                new MapSqlParameterSource("h", holdId), String.class).stream().findFirst().orElse(null);
    }

    /** One active reservation row of a hold. */
    private record HeldRow(long id, String nodeId, String sku, int quantity) {
    }

    private void releaseLocked(String holdId, String newStatus, String reason) {
        List<HeldRow> active = jdbc.query("select id, node_id, sku, quantity from reservation where hold_id = :h "
                        + "and status = 'ACTIVE' and order_id is null order by node_id, sku for update",
                new MapSqlParameterSource("h", holdId), (rs, i) -> new HeldRow(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getInt(4)));
        List<Reservations.Finished> released = new ArrayList<>();
        for (HeldRow r : active) {
            ledger.release(r.nodeId(), r.sku(), r.quantity(), holdId, reason);
            released.add(new Reservations.Finished(r.id(), r.nodeId(), false));
        }
        reservations.finish(released, "RELEASED");
        jdbc.update("update hold set status = :s where id = :h", new MapSqlParameterSource("h", holdId).addValue("s", newStatus));
    }

}
