package io.omnihub.console;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.omnihub.canonical.HubHeaders;
import io.omnihub.deadletter.DeadLetters;
import io.omnihub.delivery.Deliveries;
import org.apache.camel.CamelContext;
import org.apache.camel.Consumer;
import org.apache.camel.Exchange;
import org.apache.camel.Route;
import org.apache.camel.ServiceStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.stereotype.Service;
import org.springframework.transaction.support.TransactionTemplate;
import org.springframework.web.server.ResponseStatusException;

import java.util.Map;

/**
 * Operator replays.
 *
 * <p>A dead letter is re-run through the route it came from ({@code dead_letter.route_id}): the hub builds an exchange
 * with the kept payload and headers from that route's own consumer and hands it to the route's processor, the same
 * call the consumer makes for a new message. Whatever the route consumes from (Kafka, a file, a poll, an HTTP
 * webhook behind a Kamelet), the message goes through exactly the steps and the error handling it met the first
 * time, in the operator's request thread, so the answer says how it went. (A webhook's signature is not checked
 * again: it was checked when the message arrived, and only an operator can replay.) The dead letter is claimed
 * first with a conditional update, so two operators pressing replay at once cause one run, not two. The outcome:
 * <ul>
 *   <li>REPLAYED: the route completed; the dead letter is closed;</li>
 *   <li>FAILED_AGAIN: the route's error handling kept it as a new dead letter, which replaces this one;</li>
 *   <li>FAILED: the route failed and kept nothing (an HTTP route answers with an error); this one stays open.</li>
 * </ul>
 *
 * <p>A dead delivery is replayed by the delivery feature ({@link Deliveries#replay}, the same replay as
 * {@code POST /api/deliveries/{id}/replay}): back to the dispatcher with fresh attempts, and an available-to-sell
 * figure never stale (the newest figure of its channel and sku goes instead, or none when that one is already queued
 * or delivered). Every replay is written to {@code console_action}.
 */
@Service
public class Replays {

    /** Header set on a replayed exchange: the id of the dead letter it replays. */
    public static final String REPLAY_OF = "OmnihubReplayOf";
    /** Header the dead-letter error handler sets when it keeps a message (see DeadLetters.fromExchange). */
    static final String DEAD_LETTER_ID = HubHeaders.DEAD_LETTER_ID;

    private static final Logger log = LoggerFactory.getLogger(Replays.class);

    private final NamedParameterJdbcTemplate jdbc;
    private final TransactionTemplate tx;
    private final CamelContext camel;
    private final ObjectMapper mapper;
    private final Deliveries deliveries;
    private final DeadLetters deadLetters;

    public Replays(NamedParameterJdbcTemplate jdbc, TransactionTemplate tx, CamelContext camel, ObjectMapper mapper,
                   Deliveries deliveries, DeadLetters deadLetters) {
        this.deliveries = deliveries;
        this.deadLetters = deadLetters;
        this.jdbc = jdbc;
        this.tx = tx;
        this.camel = camel;
        this.mapper = mapper;
    }

    /**
     * The outcome of a replay. {@code newDeadLetterId} is set for FAILED_AGAIN; {@code queuedDeliveryId} is the
     * delivery sent again (a delivery replay that queued one: PENDING, or REPLACED by the newest figure).
     */
    public record Result(long id, String outcome, String message, Long newDeadLetterId, Long queuedDeliveryId) {
        Result(long id, String outcome, String message, Long newDeadLetterId) {
            this(id, outcome, message, newDeadLetterId, null);
        }
    }

    /** Re-runs a dead letter through its route. 404 when unknown, 409 when already replayed or its route cannot run. */
    public Result replayDeadLetter(long id, String user) {
        DeadLetters.Kept dl = deadLetters.claimReplay(id, user).orElseThrow(() -> {
            DeadLetters.Replayed r = deadLetters.replayed(id)
                    .orElseThrow(() -> new ResponseStatusException(HttpStatus.NOT_FOUND, "no dead letter " + id));
            return new ResponseStatusException(HttpStatus.CONFLICT, "dead letter " + id + " was already replayed at "
                    + r.at() + " by " + r.by() + " (" + r.result() + ")");
        });
        String routeId = dl.routeId();
        Route route = routeId == null ? null : camel.getRoute(routeId);
        String unavailable = route == null ? "the route " + routeId + " it came from no longer exists"
                : camel.getRouteController().getRouteStatus(routeId) != ServiceStatus.Started
                ? "the route " + routeId + " is " + camel.getRouteController().getRouteStatus(routeId) + ", start it first" : null;
        if (unavailable != null) {
            deadLetters.releaseReplay(id, null);
            audit(user, "REPLAY_DEAD_LETTER", id, "REFUSED", unavailable);
            throw new ResponseStatusException(HttpStatus.CONFLICT, "dead letter " + id + " cannot be replayed: " + unavailable);
        }
        Result result = run(id, route, dl.payload(), headers(dl.headers()));
        String recorded = result.newDeadLetterId() == null ? result.outcome()
                : result.outcome() + " as dead letter " + result.newDeadLetterId();
        if ("FAILED".equals(result.outcome())) {
            deadLetters.releaseReplay(id, "FAILED: " + result.message());
        } else {
            deadLetters.replayDone(id, recorded);
        }
        audit(user, "REPLAY_DEAD_LETTER", id, result.outcome(), result.message());
        log.info("Dead letter {} replayed through {} by {}: {} {}", id, routeId, user, result.outcome(), result.message());
        return result;
    }

    private Result run(long id, Route route, String payload, Map<String, Object> headers) {
        Consumer consumer = route.getConsumer();
        Exchange exchange = consumer.createExchange(false);
        headers.forEach((k, v) -> {
            if (!k.startsWith("OmnihubError") && !DEAD_LETTER_ID.equals(k) && !k.startsWith(Exchange.HTTP_RESPONSE_CODE)) {
                exchange.getMessage().setHeader(k, v);
            }
        });
        exchange.getMessage().setHeader(REPLAY_OF, id);
        exchange.getMessage().setBody(payload);
        try {
            consumer.getProcessor().process(exchange);
        } catch (Exception e) {
            exchange.setException(e);
        }
        Object newDl = exchange.getMessage().getHeader(DEAD_LETTER_ID);
        if (newDl != null) {
            long newId = Long.parseLong(newDl.toString());
            return new Result(id, "FAILED_AGAIN", "failed again and was kept as dead letter " + newId + ": "
                    + exchange.getMessage().getHeader(HubHeaders.ERROR_REASON, "", String.class), newId);
        }
        if (exchange.getException() != null) {
            Throwable e = exchange.getException();
            return new Result(id, "FAILED", e.getClass().getSimpleName() + ": " + e.getMessage(), null);
        }
        Integer code = exchange.getMessage().getHeader(Exchange.HTTP_RESPONSE_CODE, Integer.class);
        if (code != null && code >= 400) {
            return new Result(id, "FAILED", "the route answered " + code + ": "
                    + exchange.getMessage().getBody(String.class), null);
        }
        return new Result(id, "REPLAYED", "processed by route " + route.getRouteId()
                + (code == null ? "" : " (answer " + code + ")"), null);
    }

    /**
     * Replays a dead delivery through the delivery feature's own replay ({@link Deliveries#replay}, the same as
     * {@code POST /api/deliveries/{id}/replay}): an order status goes out again; an available-to-sell figure never goes
     * out stale, the newest figure of its channel and sku is sent instead (REPLACED) or, when that one is already
     * queued or delivered, this one is marked SUPERSEDED. 404 when unknown, 409 when not dead.
     */
    public Result replayDelivery(long id, String user) {
        Deliveries.Replay r = tx.execute(status -> deliveries.replay(id));
        switch (r.outcome()) {
            case NOT_FOUND -> throw new ResponseStatusException(HttpStatus.NOT_FOUND, r.message());
            case NOT_DEAD -> throw new ResponseStatusException(HttpStatus.CONFLICT, r.message());
            default -> { }
        }
        String outcome = r.outcome() == Deliveries.ReplayOutcome.QUEUED ? "PENDING" : r.outcome().name();
        Result result = new Result(id, outcome, r.message(), null, r.queuedId());
        audit(user, "REPLAY_DELIVERY", id, result.outcome(), result.message());
        log.info("Delivery {} replayed by {}: {}", id, user, result.message());
        return result;
    }

    private void audit(String user, String action, long target, String outcome, String detail) {
        jdbc.update("insert into console_action (username, action, target, outcome, detail) values (:u, :a, :t, :o, :d)",
                new MapSqlParameterSource("u", user).addValue("a", action).addValue("t", String.valueOf(target))
                        .addValue("o", outcome).addValue("d", detail));
    }

    private Map<String, Object> headers(String json) {
        if (json == null || json.isBlank()) {
            return Map.of();
        }
        try {
            return mapper.readValue(json, new TypeReference<Map<String, Object>>() { });
        } catch (Exception e) {
            return Map.of();
        }
    }
}
