package io.omnihub.console;

import io.omnihub.observability.Progress;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.event.ContextClosedEvent;
import org.springframework.context.event.EventListener;
import org.springframework.http.MediaType;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Live updates for the console as server-sent events from {@code /api/console/events}. One poller (every 500 ms,
 * only while someone listens) looks for new timeline entries and orders whose status changed, new or replayed
 * dead letters, dead deliveries, and long-running jobs, and pushes to every open page:
 * <ul>
 *   <li>{@code orders}: {@code {"orderIds": [...]}} orders that are new or changed;</li>
 *   <li>{@code failures}: {@code {"openDeadLetters": n, "deadDeliveries": n}} when either changes;</li>
 *   <li>{@code progress}: the jobs of {@link Progress} while any runs or just finished.</li>
 * </ul>
 * The cursors (the last order_event id, the last order update time) are set when the first page connects, before
 * it is told hello, so a page hears of everything that happens after it opened; a heartbeat comment every 15 s keeps proxies from closing the stream.
 */
@RestController
@Tag(name = "Console")
public class ConsoleEvents {

    private static final Logger log = LoggerFactory.getLogger(ConsoleEvents.class);

    private final NamedParameterJdbcTemplate jdbc;
    private final Progress progress;
    private final List<SseEmitter> emitters = new CopyOnWriteArrayList<>();

    private long lastEventId = -1;
    private java.sql.Timestamp lastUpdate;
    private String lastFailures;
    private String lastProgress;
    private long lastHeartbeat;

    public ConsoleEvents(NamedParameterJdbcTemplate jdbc, Progress progress) {
        this.jdbc = jdbc;
        this.progress = progress;
    }

    @GetMapping(path = "/api/console/events", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
    @Operation(summary = "Server-sent events: orders (new or changed order ids), failures (counts), progress (jobs)")
    public SseEmitter events() {
        SseEmitter emitter = new SseEmitter(30 * 60 * 1000L);
        emitter.onCompletion(() -> emitters.remove(emitter));
        emitter.onTimeout(() -> emitters.remove(emitter));
        emitter.onError(e -> emitters.remove(emitter));
        synchronized (this) {
            // from here on the page hears of every change: the cursors are set before it is told hello
            if (lastEventId < 0) {
                initCursors();
            }
            // the next poll tells every page (the new one included) the current failures and jobs
            lastFailures = null;
            lastProgress = null;
            // hello first: added and greeted under the poll's lock, so no poll's broadcast comes before it
            emitters.add(emitter);
            try {
                emitter.send(SseEmitter.event().name("hello").data(Map.of("listeners", emitters.size())));
            } catch (IOException e) {
                emitters.remove(emitter);
            }
        }
        return emitter;
    }

    private void initCursors() {
        lastEventId = jdbc.queryForObject("select coalesce(max(id), 0) from order_event", Map.of(), Long.class);
        lastUpdate = jdbc.queryForObject("select coalesce(max(updated_at), now()) from orders", Map.of(),
                java.sql.Timestamp.class);
    }

    /** Number of open event streams. */
    public int listeners() {
        return emitters.size();
    }

    @Scheduled(fixedDelay = 500, initialDelay = 2000)
    public synchronized void poll() {
        if (emitters.isEmpty()) {
            lastEventId = -1;
            return;
        }
        try {
            if (lastEventId < 0) {
                initCursors();
            }
            MapSqlParameterSource p = new MapSqlParameterSource("last", lastEventId).addValue("since", lastUpdate);
            List<Map<String, Object>> events = jdbc.queryForList(
                    "select id, order_id from order_event where id > :last order by id limit 500", p);
            List<Map<String, Object>> updated = jdbc.queryForList(
                    "select id, updated_at from orders where updated_at > :since order by updated_at limit 500", p);
            java.util.Set<String> changed = new java.util.TreeSet<>();
            for (Map<String, Object> e : events) {
                changed.add((String) e.get("order_id"));
                lastEventId = Math.max(lastEventId, ((Number) e.get("id")).longValue());
            }
            for (Map<String, Object> u : updated) {
                changed.add((String) u.get("id"));
                java.sql.Timestamp t = (java.sql.Timestamp) u.get("updated_at");
                if (t.after(lastUpdate)) {
                    lastUpdate = t;
                }
            }
            if (!changed.isEmpty()) {
                broadcast("orders", Map.of("orderIds", changed));
            }
            Map<String, Object> failures = new LinkedHashMap<>();
            failures.put("openDeadLetters", jdbc.queryForObject(
                    "select count(*) from dead_letter where replayed_at is null", Map.of(), Long.class));
            failures.put("lastDeadLetterId", jdbc.queryForObject(
                    "select coalesce(max(id), 0) from dead_letter", Map.of(), Long.class));
            failures.put("deadDeliveries", jdbc.queryForObject(
                    "select count(*) from delivery where status = 'DEAD'", Map.of(), Long.class));
            failures.put("lastDeliveryChange", jdbc.queryForObject(
                    "select coalesce(max(id), 0) from delivery where status = 'DEAD'", Map.of(), Long.class));
            String f = failures.toString();
            if (!Objects.equals(f, lastFailures)) {
                lastFailures = f;
                broadcast("failures", failures);
            }
            List<Progress.Job> jobs = progress.jobs();
            String pr = jobs.toString();
            if (!Objects.equals(pr, lastProgress)) {
                lastProgress = pr;
                broadcast("progress", jobs.stream().map(ConsoleEvents::job).toList());
            }
            if (System.currentTimeMillis() - lastHeartbeat > 15_000) {
                lastHeartbeat = System.currentTimeMillis();
                for (SseEmitter e : emitters) {
                    send(e, SseEmitter.event().comment("heartbeat"));
                }
            }
        } catch (RuntimeException e) {
            log.debug("console event poll failed: {}", e.getMessage());
        }
    }

    /** Ends every open stream when the hub stops, so a graceful shutdown does not wait for pages that never close. */
    @EventListener(ContextClosedEvent.class)
    public void closeStreams() {
        for (SseEmitter e : emitters) {
            e.complete();
        }
        emitters.clear();
    }

    static Map<String, Object> job(Progress.Job j) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", j.id());
        m.put("description", j.description());
        m.put("done", j.done());
        m.put("total", j.total());
        m.put("percent", j.percent());
        m.put("state", j.state());
        m.put("startedAt", j.startedAt());
        m.put("updatedAt", j.updatedAt());
        m.put("error", j.error());
        return m;
    }

    private void broadcast(String name, Object data) {
        for (SseEmitter e : emitters) {
            send(e, SseEmitter.event().name(name).data(data));
        }
    }

    private void send(SseEmitter e, SseEmitter.SseEventBuilder event) {
        try {
            e.send(event);
        } catch (Exception ex) {
            emitters.remove(e);
            e.completeWithError(ex);
        }
    }
}
