package io.omnihub.policy;

import io.omnihub.canonical.ErrorCategory;
import io.omnihub.canonical.RejectedMessageException;
import org.springframework.format.annotation.DateTimeFormat;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;

/**
 * {@code GET /api/routing/pilot/comparison?from=&to=&channel=&region=}: the pilot's figures beside the active policy's
 * over the same period (see {@link PilotComparison}). Defaults: the running pilot's own channel and region, from the
 * time it started (else the last 24 hours) to now.
 */
@RestController
@RequestMapping("/api/routing/pilot/comparison")
public class PilotComparisonApi {

    private final PilotComparison comparison;
    private final PolicyStore store;
    private final NamedParameterJdbcTemplate jdbc;

    public PilotComparisonApi(PilotComparison comparison, PolicyStore store, NamedParameterJdbcTemplate jdbc) {
        this.comparison = comparison;
        this.store = store;
        this.jdbc = jdbc;
    }

    @GetMapping
    public PilotComparison.Comparison compare(
            @RequestParam(required = false) @DateTimeFormat(iso = DateTimeFormat.ISO.DATE_TIME) Instant from,
            @RequestParam(required = false) @DateTimeFormat(iso = DateTimeFormat.ISO.DATE_TIME) Instant to,
            @RequestParam(required = false) String channel,
            @RequestParam(required = false) String region) {
        Pilot pilot = store.inForce().pilot();
        Instant end = to == null ? Instant.now() : to;
        Instant start = from;
        if (start == null) {
            Timestamp started = pilot == null ? null : jdbc.queryForList("select started_at from routing_policy_pilot where id = 1",
                    new MapSqlParameterSource(), Timestamp.class).stream().findFirst().orElse(null);
            start = started != null ? started.toInstant() : end.minus(Duration.ofHours(24));
        }
        if (!end.isAfter(start)) {
            throw new RejectedMessageException(ErrorCategory.INVALID, "to: must be after from");
        }
        String ch = blank(channel) != null ? channel.trim() : pilot == null ? null : pilot.channel();
        String rg = blank(region) != null ? region.trim() : pilot == null ? null : pilot.region();
        return comparison.compare(start, end, ch, rg, pilot == null ? null : pilot.version());
    }

    private static String blank(String s) {
        return s == null || s.isBlank() ? null : s;
    }
}
