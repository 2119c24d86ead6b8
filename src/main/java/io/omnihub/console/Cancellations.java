package io.omnihub.console;

import io.omnihub.canonical.OrderStatus;
import io.omnihub.fulfillment.OrderLifecycle;
import io.omnihub.orders.OrderStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.stereotype.Service;
import org.springframework.web.server.ResponseStatusException;

/**
 * An operator cancels an order from the console. The cancellation itself is the order lifecycle's (one
 * transaction: reservations released through the ledger, CANCELLED status and timeline entry, OrderStatus to the
 * channel); this adds the operator's name to the reason, the console's answers (404, 409 for an order that is
 * shipped or already cancelled) and the audit row.
 */
@Service
public class Cancellations {

    private static final Logger log = LoggerFactory.getLogger(Cancellations.class);

    private final NamedParameterJdbcTemplate jdbc;
    private final OrderStore orders;
    private final OrderLifecycle lifecycle;

    public Cancellations(NamedParameterJdbcTemplate jdbc, OrderStore orders, OrderLifecycle lifecycle) {
        this.jdbc = jdbc;
        this.orders = orders;
        this.lifecycle = lifecycle;
    }

    /** What a cancellation did. */
    public record Result(String orderId, OrderStatus.Status status, int reservationsReleased) {
    }

    public Result cancel(String orderId, String user, String reason) {
        String why = reason == null || reason.isBlank() ? "cancelled by " + user : reason + " (cancelled by " + user + ")";
        MapSqlParameterSource p = new MapSqlParameterSource("id", orderId);
        if (!orders.exists(orderId)) {
            throw new ResponseStatusException(HttpStatus.NOT_FOUND, "no order " + orderId);
        }
        Integer active = jdbc.queryForObject("select count(*) from reservation where order_id = :id and status = 'ACTIVE'", p, Integer.class);
        OrderLifecycle.Change change;
        try {
            change = lifecycle.cancel(orderId, why);
        } catch (IllegalStateException e) {
            throw new ResponseStatusException(HttpStatus.CONFLICT, e.getMessage());
        }
        if (!change.changed()) {
            throw new ResponseStatusException(HttpStatus.CONFLICT, "order " + orderId + " is " + change.status() + " and cannot be cancelled");
        }
        jdbc.update("insert into console_action (username, action, target, outcome, detail) values (:u, 'CANCEL_ORDER', :id, 'CANCELLED', :detail)",
                p.addValue("u", user).addValue("detail", change.detail()));
        log.info("Order {} cancelled by {}: {}", orderId, user, change.detail());
        return new Result(orderId, change.status(), active == null ? 0 : active);
    }
}
