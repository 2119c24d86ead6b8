package io.omnihub.fulfillment;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.omnihub.canonical.CanonicalTopics;
import io.omnihub.canonical.OrderStatus;
import io.omnihub.outbox.Outbox;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.stereotype.Component;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes what happened to an order, inside the caller's transaction: a timeline row ({@code order_event}) for
 * operators and, for a status change, the canonical {@link OrderStatus} to the outbox (topic
 * {@code omnihub.order-status.v1}, key order id). Returns outbox ids so the caller can publish right after commit.
 */
@Component
public class OrderTimeline {

    private final NamedParameterJdbcTemplate jdbc;
    private final Outbox outbox;
    private final ObjectMapper mapper;

    public OrderTimeline(NamedParameterJdbcTemplate jdbc, Outbox outbox, ObjectMapper mapper) {
        this.jdbc = jdbc;
        this.outbox = outbox;
        this.mapper = mapper;
    }

    /** An order's identity as channels know it. */
    public record OrderRef(String orderId, String channel, String channelOrderId) {
    }

    public OrderRef ref(String orderId) {
        return jdbc.query("select id, channel, channel_order_id from orders where id = :id",
                new MapSqlParameterSource("id", orderId),
                (rs, i) -> new OrderRef(rs.getString(1), rs.getString(2), rs.getString(3))).stream().findFirst().orElse(null);
    }

    /** Appends a timeline row. */
    public void event(String orderId, String kind, String detail) {
        jdbc.update("insert into order_event (order_id, kind, detail) values (:id, :kind, :detail)",
                new MapSqlParameterSource("id", orderId).addValue("kind", kind).addValue("detail", detail));
    }

    /** Sets the order's status, appends the timeline row and writes the OrderStatus message; returns the outbox id. */
    public long status(OrderRef order, OrderStatus.Status status, String nodeId, String carrier, String tracking,
                       String reason, String detail) {
        jdbc.update("update orders set status = :status, updated_at = now() where id = :id",
                new MapSqlParameterSource("id", order.orderId()).addValue("status", status.name()));
        event(order.orderId(), status.name(), detail);
        OrderStatus message = new OrderStatus(order.orderId(), order.channel(), order.channelOrderId(), status,
                Instant.now(), nodeId, carrier, tracking, reason);
        return outbox.kafka(CanonicalTopics.ORDER_STATUS, order.orderId(), json(message));
    }

    String json(Object value) {
        try {
            return mapper.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Collects outbox ids written in a transaction, to publish after it commits. */
    public static final class Published {
        final List<Long> ids = new ArrayList<>();

        public void add(long id) {
            ids.add(id);
        }

        public List<Long> ids() {
            return ids;
        }
    }
}
