package io.omnihub.policy;

import com.fasterxml.jackson.databind.JsonNode;
import io.omnihub.canonical.CanonicalOrder;
import io.omnihub.canonical.ErrorCategory;
import io.omnihub.canonical.NotFoundException;
import io.omnihub.canonical.RejectedMessageException;
import io.omnihub.routing.PolicySource;
import io.omnihub.routing.RoutingPolicy;
import jakarta.annotation.PostConstruct;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The routing policy as versioned data in PostgreSQL (table routing_policy): versions are immutable documents with
 * author, time and comment; the active version is the latest activation (rollback = activating an earlier one); a
 * version scheduled for a window is in force while now() is inside it; a pilot may decide a share of orders.
 * <p>
 * Live routing asks {@link #choose(CanonicalOrder)} once per attempt: one small query names the versions in force,
 * and parsed versions are cached by number (they never change), so an activation on any instance applies to the
 * next order on every instance, with no restart and no message between instances.
 * <p>
 * When the table is empty at start, the policy from configuration (routing/policy.yaml with its overrides) becomes
 * version 1, authored by "repository", and is activated.
 */
@Component("routingPolicies")
public class PolicyStore implements PolicySource {

    private static final Logger log = LoggerFactory.getLogger(PolicyStore.class);
    public static final String REPOSITORY = "repository";

    private final NamedParameterJdbcTemplate jdbc;
    private final TransactionTemplate tx;
    private final RoutingPolicy configured;
    private final PolicyDocuments docs = new PolicyDocuments();
    private final Map<Integer, RoutingPolicy> cache = new ConcurrentHashMap<>();

    public PolicyStore(NamedParameterJdbcTemplate jdbc, TransactionTemplate tx, RoutingPolicy routingPolicy) {
        this.jdbc = jdbc;
        this.tx = tx;
        this.configured = routingPolicy;
    }

    /** Which versions are in force now. */
    public record InForce(int version, Integer windowed, Integer activated, Pilot pilot) {
    }

    /** One stored version's facts (without the document). */
    public record Version(int version, String author, String comment, OffsetDateTime createdAt,
                          OffsetDateTime activatedAt, OffsetDateTime windowStart, OffsetDateTime windowEnd) {
    }

    public PolicyDocuments documents() {
        return docs;
    }

    /** Version 1 from configuration when no version is stored yet (two instances starting together: one wins). */
    @PostConstruct
    void seed() {
        tx.executeWithoutResult(s -> {
            jdbc.queryForList("select pg_advisory_xact_lock(hashtext('routing_policy'))", new MapSqlParameterSource(), Object.class);
            Integer n = jdbc.queryForObject("select count(*) from routing_policy", new MapSqlParameterSource(), Integer.class);
            if (n != null && n > 0) {
                return;
            }
            String document = "# routing/policy.yaml as configured at first start (with any configuration overrides)\n"
                    + docs.toYaml(configured);
            docs.require(document, "1");
            jdbc.update("""
                    insert into routing_policy (version, document, author, comment, activated_at)
                    values (1, :doc, :author, 'routing/policy.yaml, the first version', now())""",
                    new MapSqlParameterSource("doc", document).addValue("author", REPOSITORY));
            jdbc.update("insert into routing_policy_activation (version, activated_by) values (1, :author)",
                    new MapSqlParameterSource("author", REPOSITORY));
            log.info("Routing policy: stored routing/policy.yaml as version 1 and activated it");
        });
    }

    @Override
    public Choice choose(CanonicalOrder order) {
        InForce now = inForce();
        if (now.pilot() != null && now.pilot().decides(order)) {
            return new Choice(policy(now.pilot().version()), true);
        }
        return new Choice(policy(now.version()), false);
    }

    @Override
    public java.util.function.Function<CanonicalOrder, Choice> chooser() {
        InForce now = inForce();
        return order -> now.pilot() != null && now.pilot().decides(order)
                ? new Choice(policy(now.pilot().version()), true) : new Choice(policy(now.version()), false);
    }

    /** The versions in force now: one query. */
    public InForce inForce() {
        return jdbc.query("""
                select (select version from routing_policy where window_start <= now() and window_end > now()
                        order by window_start desc, version desc limit 1) as windowed,
                       (select version from routing_policy_activation order by id desc limit 1) as activated,
                       p.version as pilot_version, p.percent, p.channel, p.region
                from (select 1) one left join routing_policy_pilot p on p.id = 1""", new MapSqlParameterSource(), rs -> {
            rs.next();
            Integer windowed = (Integer) rs.getObject("windowed");
            Integer activated = (Integer) rs.getObject("activated");
            Integer pv = (Integer) rs.getObject("pilot_version");
            Pilot pilot = pv == null ? null : new Pilot(pv, rs.getBigDecimal("percent"), rs.getString("channel"), rs.getString("region"));
            int version = windowed != null ? windowed : activated != null ? activated : 1;
            return new InForce(version, windowed, activated, pilot);
        });
    }

    /** A stored version as a policy (its decisions name the version number). */
    public RoutingPolicy policy(int version) {
        return cache.computeIfAbsent(version, v -> docs.require(document(v), String.valueOf(v)));
    }

    /** A stored version's document text. */
    public String document(int version) {
        return jdbc.queryForList("select document from routing_policy where version = :v",
                        new MapSqlParameterSource("v", version), String.class).stream().findFirst()
                .orElseThrow(() -> unknown(version));
    }

    /**
     * Stores a new version (not yet active). {@code document} is YAML or JSON text, or a JSON tree; refused with
     * every problem's path and reason when it does not validate.
     */
    public int create(JsonNode document, String author, String comment, Instant windowStart, Instant windowEnd) {
        JsonNode tree = document.isTextual() ? docs.parse(document.asText()) : docs.unwrap(document);
        docs.require(tree, "new");
        checkWindow(windowStart, windowEnd);
        String text = document.isTextual() ? document.asText() : docs.toYaml(tree);
        return tx.execute(s -> {
            jdbc.queryForList("select pg_advisory_xact_lock(hashtext('routing_policy'))", new MapSqlParameterSource(), Object.class);
            int version = jdbc.queryForObject("select coalesce(max(version), 0) + 1 from routing_policy",
                    new MapSqlParameterSource(), Integer.class);
            jdbc.update("""
                    insert into routing_policy (version, document, author, comment, window_start, window_end)
                    values (:v, :doc, :author, :comment, :ws, :we)""",
                    new MapSqlParameterSource("v", version).addValue("doc", text).addValue("author", author)
                            .addValue("comment", comment).addValue("ws", ts(windowStart)).addValue("we", ts(windowEnd)));
            log.info("Routing policy version {} stored by {}: {}", version, author, comment);
            return version;
        });
    }

    /** Makes {@code version} the active one (for rollback too: activate an earlier version). */
    public InForce activate(int version, String author) {
        requireExists(version);
        tx.executeWithoutResult(s -> {
            MapSqlParameterSource p = new MapSqlParameterSource("v", version).addValue("author", author);
            jdbc.update("insert into routing_policy_activation (version, activated_by) values (:v, :author)", p);
            jdbc.update("update routing_policy set activated_at = now() where version = :v", p);
        });
        log.info("Routing policy version {} activated by {}", version, author);
        return inForce();
    }

    /** Puts {@code version} in force for [start, end); null start and end clear the window. */
    public void schedule(int version, Instant start, Instant end) {
        requireExists(version);
        if (start != null || end != null) {
            checkWindow(start, end);
            if (start == null || end == null) {
                throw new RejectedMessageException(ErrorCategory.INVALID, "start and end: both are required for a window");
            }
        }
        jdbc.update("update routing_policy set window_start = :ws, window_end = :we where version = :v",
                new MapSqlParameterSource("v", version).addValue("ws", ts(start)).addValue("we", ts(end)));
    }

    /** Pilots {@code version} on a share of live orders (replacing any pilot). */
    public void startPilot(int version, BigDecimal percent, String channel, String region, String author) {
        requireExists(version);
        if (percent != null && (percent.signum() < 0 || percent.compareTo(BigDecimal.valueOf(100)) > 0)) {
            throw new RejectedMessageException(ErrorCategory.INVALID, "percent: must be between 0 and 100, was " + percent);
        }
        if (percent == null && channel == null && region == null) {
            throw new RejectedMessageException(ErrorCategory.INVALID,
                    "percent, channel or region: at least one is required (a pilot on every order is an activation)");
        }
        policy(version);
        jdbc.update("""
                insert into routing_policy_pilot (id, version, percent, channel, region, started_by) values (1, :v, :pct, :ch, :rg, :a)
                on conflict (id) do update set version = :v, percent = :pct, channel = :ch, region = :rg,
                    started_by = :a, started_at = now()""",
                new MapSqlParameterSource("v", version).addValue("pct", percent).addValue("ch", channel)
                        .addValue("rg", region).addValue("a", author));
    }

    /** Ends the pilot; the version in force decides every order again. */
    public boolean stopPilot() {
        return jdbc.update("delete from routing_policy_pilot where id = 1", new MapSqlParameterSource()) > 0;
    }

    public List<Version> versions() {
        return jdbc.query("""
                select version, author, comment, created_at, activated_at, window_start, window_end
                from routing_policy order by version""", new MapSqlParameterSource(), (rs, i) -> new Version(
                rs.getInt(1), rs.getString(2), rs.getString(3), rs.getObject(4, OffsetDateTime.class),
                rs.getObject(5, OffsetDateTime.class), rs.getObject(6, OffsetDateTime.class), rs.getObject(7, OffsetDateTime.class)));
    }

    public Version version(int version) {
        return versions().stream().filter(v -> v.version() == version).findFirst().orElseThrow(() -> unknown(version));
    }

    public List<Map<String, Object>> activations() {
        return jdbc.queryForList("""
                select version, activated_by as "activatedBy", activated_at as "activatedAt"
                from routing_policy_activation order by id desc limit 50""", new MapSqlParameterSource());
    }

    private void requireExists(int version) {
        Boolean exists = jdbc.queryForObject("select exists (select 1 from routing_policy where version = :v)",
                new MapSqlParameterSource("v", version), Boolean.class);
        if (!Boolean.TRUE.equals(exists)) {
            throw unknown(version);
        }
    }

    private static NotFoundException unknown(int version) {
        return new NotFoundException("routing policy version " + version + " is not stored");
    }

    private static void checkWindow(Instant start, Instant end) {
        if ((start == null) != (end == null)) {
            throw new RejectedMessageException(ErrorCategory.INVALID, "windowStart and windowEnd: both or neither");
        }
        if (start != null && !end.isAfter(start)) {
            throw new RejectedMessageException(ErrorCategory.INVALID, "windowEnd: must be after windowStart");
        }
    }

    private static java.sql.Timestamp ts(Instant i) {
        return i == null ? null : java.sql.Timestamp.from(i);
    }
}
