package io.omnihub.deadletter;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.omnihub.canonical.CanonicalTopics;
import io.omnihub.canonical.ErrorCategory;
import io.omnihub.canonical.HubHeaders;
import io.omnihub.web.HttpProblems;
import io.omnihub.outbox.Outbox;
import org.apache.camel.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.jdbc.support.GeneratedKeyHolder;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Keeps what could not be processed: the original payload, where it came from and why it failed, in the
 * {@code dead_letter} table (for the console and replay) and on {@code omnihub.dead-letters.v1} (through the
 * outbox, in the same transaction). Nothing that reaches here is lost.
 */
@Component("deadLetters")
public class DeadLetters {

    private static final Logger log = LoggerFactory.getLogger(DeadLetters.class);

    private final NamedParameterJdbcTemplate jdbc;
    private final TransactionTemplate tx;
    private final Outbox outbox;
    private final ObjectMapper mapper;

    public DeadLetters(NamedParameterJdbcTemplate jdbc, TransactionTemplate tx, Outbox outbox, ObjectMapper mapper) {
        this.jdbc = jdbc;
        this.tx = tx;
        this.outbox = outbox;
        this.mapper = mapper;
    }

    /** What a replay needs of a dead letter: the route it came from and the message as it was kept. */
    public record Kept(String routeId, String payload, String headers) {
    }

    /** Who replayed a dead letter, when, and how it went (IN_PROGRESS while the replay runs). */
    public record Replayed(Object at, Object by, Object result) {
    }

    /**
     * Claims a dead letter for a replay by {@code user} (a conditional update, so two operators pressing replay at
     * once cause one run): the message to run, or empty when it is already claimed or replayed, or unknown
     * ({@link #replayed} tells which).
     */
    public Optional<Kept> claimReplay(long id, String user) {
        MapSqlParameterSource p = new MapSqlParameterSource("id", id).addValue("user", user);
        int claimed = jdbc.update("""
                update dead_letter set replayed_at = now(), replayed_by = :user, replay_result = 'IN_PROGRESS'
                where id = :id and replayed_at is null""", p);
        if (claimed == 0) {
            return Optional.empty();
        }
        return Optional.of(jdbc.queryForObject(
                "select route_id, payload, headers::text as headers from dead_letter where id = :id", p,
                (rs, i) -> new Kept(rs.getString(1), rs.getString(2), rs.getString(3))));
    }

    /** The replay state of a dead letter; empty when there is no such dead letter. */
    public Optional<Replayed> replayed(long id) {
        return jdbc.query("select replayed_at, replayed_by, replay_result from dead_letter where id = :id",
                new MapSqlParameterSource("id", id), (rs, i) -> new Replayed(rs.getObject(1), rs.getObject(2), rs.getObject(3)))
                .stream().findFirst();
    }

    /** Records how a claimed replay went. */
    public void replayDone(long id, String result) {
        jdbc.update("update dead_letter set replay_result = :r where id = :id", new MapSqlParameterSource("id", id).addValue("r", result));
    }

    /** Gives a claimed dead letter back (the replay could not run, or failed): it can be replayed again. */
    public void releaseReplay(long id, String result) {
        jdbc.update("update dead_letter set replayed_at = null, replayed_by = null, replay_result = :r where id = :id",
                new MapSqlParameterSource("id", id).addValue("r", result));
    }

    /** Records a dead letter; returns its id. */
    public long record(String source, String routeId, ErrorCategory category, String error, String payload,
                       Map<String, Object> headers) {
        String headersJson = toJson(headers == null ? Map.of() : headers);
        Long id = tx.execute(status -> {
            GeneratedKeyHolder keys = new GeneratedKeyHolder();
            jdbc.update("""
                    insert into dead_letter (source, route_id, category, error, payload, headers)
                    values (:source, :route, :category, :error, :payload, cast(:headers as jsonb))""",
                    new MapSqlParameterSource("source", source).addValue("route", routeId)
                            .addValue("category", category.name()).addValue("error", error)
                            .addValue("payload", payload).addValue("headers", headersJson),
                    keys, new String[] {"id"});
            long dlId = keys.getKey().longValue();
            Map<String, Object> message = new LinkedHashMap<>();
            message.put("deadLetterId", dlId);
            message.put("source", source);
            message.put("routeId", routeId);
            message.put("category", category.name());
            message.put("error", error);
            message.put("payload", payload);
            outbox.kafka(CanonicalTopics.DEAD_LETTERS, source, toJson(message));
            return dlId;
        });
        log.warn("Dead letter {} from {} ({}): {}", id, source, category, error);
        return id;
    }

    /**
     * Camel entry point for a route's error handler: records the failed exchange's original body (the message as its
     * source Kamelet received it when it kept it in {@link HubHeaders#PROP_ORIGINAL_BODY}, so that a replay runs the
     * flow's mapping on what the mapping expects; else the body as it is now) with the exception's category and message. The source is the {@link HubHeaders#SOURCE} header, else the route id.
     */
    public void fromExchange(Exchange exchange) {
        Exception e = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class);
        ErrorCategory category = HttpProblems.categorize(e);
        String routeId = exchange.getFromRouteId();
        String source = exchange.getMessage().getHeader(HubHeaders.SOURCE,
                exchange.getProperty(HubHeaders.PROP_SOURCE, routeId, String.class), String.class);
        Map<String, Object> headers = new LinkedHashMap<>();
        exchange.getMessage().getHeaders().forEach((k, v) -> {
            if (v instanceof String || v instanceof Number || v instanceof Boolean) {
                headers.put(k, v);
            }
        });
        String reason = e == null ? "unknown error" : rootMessage(e);
        String original = exchange.getProperty(HubHeaders.PROP_ORIGINAL_BODY, String.class);
        String payload = original != null ? original : exchange.getMessage().getBody(String.class);
        long id = record(source, routeId, category, reason, payload, headers);
        exchange.getMessage().setHeader(HubHeaders.ERROR_CATEGORY, category.name());
        exchange.getMessage().setHeader(HubHeaders.ERROR_REASON, reason);
        exchange.getMessage().setHeader(HubHeaders.DEAD_LETTER_ID, id);
    }

    /**
     * Whether the exchange failed because the hub's own database is away (no connection, server shutting down or
     * starting): a transient condition under which no dead letter can be written and no other message can be
     * processed either. Consumers retry such a message until the database is back instead of dead-lettering it.
     */
    public boolean storageUnavailable(Exchange exchange) {
        Throwable e = exchange.getException() != null ? exchange.getException()
                : exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        return isStorageUnavailable(e);
    }

    /** See {@link #storageUnavailable(Exchange)}. */
    public static boolean isStorageUnavailable(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof org.springframework.jdbc.CannotGetJdbcConnectionException
                    || t instanceof org.springframework.transaction.CannotCreateTransactionException
                    || t instanceof org.springframework.dao.DataAccessResourceFailureException
                    || t instanceof java.sql.SQLTransientConnectionException
                    || t instanceof java.sql.SQLNonTransientConnectionException) {
                return true;
            }
            if (t instanceof java.sql.SQLException sql && sql.getSQLState() != null
                    && (sql.getSQLState().startsWith("08") || sql.getSQLState().startsWith("57P"))) {
                return true;
            }
        }
        return false;
    }

    private static String rootMessage(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof io.omnihub.canonical.RejectedMessageException r) {
                return r.reason();
            }
        }
        return e.getClass().getSimpleName() + ": " + e.getMessage();
    }

    private String toJson(Object value) {
        try {
            return mapper.writeValueAsString(value);
        } catch (JsonProcessingException ex) {
            throw new IllegalStateException(ex);
        }
    }
}
