package io.omnihub.console;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.omnihub.canonical.HubHeaders;
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

import java.util.List;
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
 * <p>A dead delivery is handed back to the delivery dispatcher: status PENDING, attempts 0, due now. When a newer
 * figure for the same channel and sku has since been queued or delivered, the old one is marked SUPERSEDED instead,
 * so a replay never sends a stale available-to-sell figure. Every replay is written to {@code console_action}.
 */
@Service
public class Replays {

    /** Header set on a replayed exchange: the id of the dead letter it replays. */
    public static final String REPLAY_OF = "OmnihubReplayOf";
    /** Header the dead-letter error handler sets when it keeps a message (see DeadLetters.fromExchange). */
    static final String DEAD_LETTER_ID = "OmnihubDeadLetterId";

    private static final Logger log = LoggerFactory.getLogger(Replays.class);

    private final NamedParameterJdbcTemplate jdbc;
    private final TransactionTemplate tx;
    private final CamelContext camel;
    private final ObjectMapper mapper;

    public Replays(NamedParameterJdbcTemplate jdbc, TransactionTemplate tx, CamelContext camel, ObjectMapper mapper) {
        this.jdbc = jdbc;
        this.tx = tx;
        this.camel = camel;
        this.mapper = mapper;
    }

    /** The outcome of a replay. {@code newDeadLetterId} is set for FAILED_AGAIN. */
    public record Result(long id, String outcome, String message, Long newDeadLetterId) {
    }

    /** Re-runs a dead letter through its route. 404 when unknown, 409 when already replayed or its route cannot run. */
    public Result replayDeadLetter(long id, String user) {
        MapSqlParameterSource p = new MapSqlParameterSource("id", id).addValue("user", user);
        int claimed = jdbc.update("""
                update dead_letter set replayed_at = now(), replayed_by = :user, replay_result = 'IN_PROGRESS'
                where id = :id and replayed_at is null""", p);
        if (claimed == 0) {
            List<Map<String, Object>> rows = jdbc.queryForList(
                    "select replayed_at, replayed_by, replay_result from dead_letter where id = :id", p);
            if (rows.isEmpty()) {
                throw new ResponseStatusException(HttpStatus.NOT_FOUND, "no dead letter " + id);
            }
            Map<String, Object> r = rows.get(0);
            throw new ResponseStatusException(HttpStatus.CONFLICT, "dead letter " + id + " was already replayed at "
                    + r.get("replayed_at") + " by " + r.get("replayed_by") + " (" + r.get("replay_result") + ")");
        }
        Map<String, Object> dl = jdbc.queryForMap(
                "select route_id, payload, headers::text as headers from dead_letter where id = :id", p);
        String routeId = (String) dl.get("route_id");
        Route route = routeId == null ? null : camel.getRoute(routeId);
        String unavailable = route == null ? "the route " + routeId + " it came from no longer exists"
                : camel.getRouteController().getRouteStatus(routeId) != ServiceStatus.Started
                ? "the route " + routeId + " is " + camel.getRouteController().getRouteStatus(routeId) + ", start it first" : null;
        if (unavailable != null) {
            release(id, null);
            audit(user, "REPLAY_DEAD_LETTER", id, "REFUSED", unavailable);
            throw new ResponseStatusException(HttpStatus.CONFLICT, "dead letter " + id + " cannot be replayed: " + unavailable);
        }
        Result result = run(id, route, (String) dl.get("payload"), headers((String) dl.get("headers")));
        String recorded = result.newDeadLetterId() == null ? result.outcome()
                : result.outcome() + " as dead letter " + result.newDeadLetterId();
        if ("FAILED".equals(result.outcome())) {
            release(id, "FAILED: " + result.message());
        } else {
            jdbc.update("update dead_letter set replay_result = :r where id = :id", p.addValue("r", recorded));
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

    /** Hands a dead delivery back to the dispatcher, or supersedes it when a newer figure exists. */
    public Result replayDelivery(long id, String user) {
        Result result = tx.execute(status -> {
            MapSqlParameterSource p = new MapSqlParameterSource("id", id);
            List<Map<String, Object>> rows = jdbc.queryForList(
                    "select channel, kind, dedupe_key, status from delivery where id = :id for update", p);
            if (rows.isEmpty()) {
                throw new ResponseStatusException(HttpStatus.NOT_FOUND, "no delivery " + id);
            }
            Map<String, Object> d = rows.get(0);
            if (!"DEAD".equals(d.get("status"))) {
                throw new ResponseStatusException(HttpStatus.CONFLICT, "delivery " + id + " is " + d.get("status")
                        + ", only a DEAD delivery can be replayed");
            }
            Integer newer = "ATS".equals(d.get("kind")) ? jdbc.queryForObject("""
                    select count(*) from delivery where channel = :channel and kind = :kind and dedupe_key = :key
                    and id > :id and status in ('PENDING', 'DELIVERED')""",
                    p.addValue("channel", d.get("channel")).addValue("kind", d.get("kind")).addValue("key", d.get("dedupe_key")),
                    Integer.class) : Integer.valueOf(0);
            if (newer != null && newer > 0) {
                jdbc.update("update delivery set status = 'SUPERSEDED' where id = :id", p);
                return new Result(id, "SUPERSEDED", "a newer figure for " + d.get("channel") + " / " + d.get("dedupe_key")
                        + " is already queued or delivered; this stale one is not sent", null);
            }
            jdbc.update("update delivery set status = 'PENDING', attempts = 0, next_attempt_at = now() where id = :id", p);
            return new Result(id, "PENDING", "queued again for " + d.get("channel"), null);
        });
        audit(user, "REPLAY_DELIVERY", id, result.outcome(), result.message());
        log.info("Delivery {} replayed by {}: {}", id, user, result.message());
        return result;
    }

    private void release(long id, String result) {
        jdbc.update("update dead_letter set replayed_at = null, replayed_by = null, replay_result = :r where id = :id",
                new MapSqlParameterSource("id", id).addValue("r", result));
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
