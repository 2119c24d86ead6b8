package io.omnihub.console;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.omnihub.canonical.CanonicalTopics;
import io.omnihub.canonical.OrderStatus;
import io.omnihub.inventory.StockLedger;
import io.omnihub.outbox.Outbox;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.stereotype.Service;
import org.springframework.transaction.support.TransactionTemplate;
import org.springframework.web.server.ResponseStatusException;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * An operator cancels an order that has not shipped: in one transaction, with the order row locked, every active
 * reservation is released through the {@link StockLedger} (so the stock flows back to every channel), the order
 * becomes CANCELLED with a timeline entry, and an {@link OrderStatus} CANCELLED goes to the outbox for the channel.
 * A shipped, rejected or already cancelled order is refused with 409 and nothing changes.
 */
@Service
public class Cancellations {

    private static final Logger log = LoggerFactory.getLogger(Cancellations.class);
    private static final Set<String> FINAL = Set.of("CANCELLED", "SHIPPED", "REJECTED");

    private final NamedParameterJdbcTemplate jdbc;
    private final TransactionTemplate tx;
    private final StockLedger ledger;
    private final Outbox outbox;
    private final ObjectMapper mapper;

    public Cancellations(NamedParameterJdbcTemplate jdbc, TransactionTemplate tx, StockLedger ledger, Outbox outbox,
                         ObjectMapper mapper) {
        this.jdbc = jdbc;
        this.tx = tx;
        this.ledger = ledger;
        this.outbox = outbox;
        this.mapper = mapper;
    }

    /** What a cancellation did. */
    public record Result(String orderId, String status, int reservationsReleased) {
    }

    public Result cancel(String orderId, String user, String reason) {
        String why = reason == null || reason.isBlank() ? "cancelled by " + user : reason + " (cancelled by " + user + ")";
        Result result = tx.execute(s -> {
            MapSqlParameterSource p = new MapSqlParameterSource("id", orderId);
            List<Map<String, Object>> rows = jdbc.queryForList(
                    "select status, channel, channel_order_id from orders where id = :id for update", p);
            if (rows.isEmpty()) {
                throw new ResponseStatusException(HttpStatus.NOT_FOUND, "no order " + orderId);
            }
            Map<String, Object> order = rows.get(0);
            if (FINAL.contains((String) order.get("status"))) {
                throw new ResponseStatusException(HttpStatus.CONFLICT, "order " + orderId + " is " + order.get("status")
                        + " and cannot be cancelled");
            }
            List<Map<String, Object>> reservations = jdbc.queryForList("""
                    select id, node_id, sku, quantity from reservation
                    where order_id = :id and status = 'ACTIVE' order by id for update""", p);
            for (Map<String, Object> r : reservations) {
                ledger.release((String) r.get("node_id"), (String) r.get("sku"), ((Number) r.get("quantity")).intValue(),
                        orderId, why);
                jdbc.update("update reservation set status = 'RELEASED', updated_at = now() where id = :rid",
                        new MapSqlParameterSource("rid", r.get("id")));
            }
            jdbc.update("update orders set status = 'CANCELLED', updated_at = now() where id = :id", p);
            jdbc.update("insert into order_event (order_id, kind, detail) values (:id, 'CANCELLED', :detail)",
                    p.addValue("detail", why + (reservations.isEmpty() ? "" : "; " + reservations.size() + " reservation(s) released")));
            OrderStatus status = new OrderStatus(orderId, (String) order.get("channel"), (String) order.get("channel_order_id"),
                    OrderStatus.Status.CANCELLED, Instant.now(), null, null, null, why);
            outbox.kafka(CanonicalTopics.ORDER_STATUS, orderId, json(status));
            jdbc.update("insert into console_action (username, action, target, outcome, detail) values (:u, 'CANCEL_ORDER', :id, 'CANCELLED', :detail)",
                    p.addValue("u", user));
            return new Result(orderId, "CANCELLED", reservations.size());
        });
        log.info("Order {} cancelled by {} ({} reservations released)", orderId, user, result.reservationsReleased());
        return result;
    }

    private String json(Object value) {
        try {
            return mapper.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
