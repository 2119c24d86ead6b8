package io.omnihub.cyclecount;

import io.omnihub.inventory.CountTrigger;
import org.springframework.jdbc.core.RowMapper;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.stereotype.Component;

import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

/**
 * The owner of the {@code cycle_count} table: counts asked of a node for a sku, their way to the node's sink, and
 * what each count found against the ledger.
 *
 * <p>A count is asked for when the ledger flags the stock row (a node's rejection, a decrement floored at zero:
 * {@code stock.needs_count} with its trigger), when a channel keeps drifting on a sku, on a schedule, or by an
 * operator. One count per node and sku is open at a time; a signal while one is open adds nothing. The count comes
 * back as an ordinary SNAPSHOT stock event (a WMS stock file, a POS count, {@code POST /api/stock-events}): the first
 * SNAPSHOT the ledger records for the node and sku after the count was asked for is its result. The SNAPSHOT's
 * ledger entry is the variance (its on-hand change: what the shelf has against what the ledger said), and its reason
 * names the cycle count.
 */
@Component
public class CycleCounts {

    /** Where a count stands. FAILED: its request could not be sent and is a dead letter (replayable). */
    public enum Status { REQUESTED, SENDING, SENT, FAILED, COUNTED }

    /** A count as the API shows it. */
    public record CycleCount(long id, String nodeId, String sku, CountTrigger trigger, String reason, Status status,
                             Instant requestedAt, Integer onHandAtRequest, Instant sentAt, String sentTo, Long deadLetterId,
                             Long ledgerEntryId, Integer expected, Integer counted, Integer variance, Boolean withinTolerance,
                             Instant countedAt) {
    }

    /** A count claimed for sending, with the sink of its node. */
    public record Claimed(long id, String nodeId, String sku, CountTrigger trigger, String reason, String sink) {
    }

    /** A count matched with its result. */
    public record Counted(long id, String nodeId, String sku, int variance, boolean withinTolerance) {
    }

    /** Open counts: one per node and sku (the partial unique index cycle_count_open_idx). */
    static final String OPEN = "('REQUESTED', 'SENDING', 'SENT', 'FAILED')";

    private final NamedParameterJdbcTemplate jdbc;
    private final CycleCountProperties props;

    public CycleCounts(NamedParameterJdbcTemplate jdbc, CycleCountProperties props) {
        this.jdbc = jdbc;
        this.props = props;
    }

    /**
     * Asks for a count of every stock row the ledger flagged ({@code needs_count}) that has no open count; returns
     * how many were asked for.
     */
    public int requestFlagged() {
        return jdbc.update("""
                insert into cycle_count (node_id, sku, trigger, reason, status, after_entry_id, on_hand_at_request)
                select s.node_id, s.sku, coalesce(s.count_trigger, 'REJECTION'), s.count_reason, 'REQUESTED',
                       coalesce((select max(l.id) from ledger_entry l where l.sku = s.sku and l.node_id = s.node_id), 0), s.on_hand
                from stock s
                where s.needs_count
                  and not exists (select 1 from cycle_count c where c.node_id = s.node_id and c.sku = s.sku and c.status in """ + OPEN + """
                )
                on conflict do nothing""", new MapSqlParameterSource());
    }

    /**
     * Asks {@code nodeId} for a count of {@code skus} (those without an open count); returns the ids of the counts
     * asked for. In the caller's transaction when there is one.
     */
    public List<Long> request(String nodeId, Collection<String> skus, CountTrigger trigger, String reason) {
        return jdbc.queryForList("""
                insert into cycle_count (node_id, sku, trigger, reason, status, after_entry_id, on_hand_at_request)
                select :node, k.sku, :trigger, :reason, 'REQUESTED',
                       coalesce((select max(l.id) from ledger_entry l where l.sku = k.sku and l.node_id = :node), 0),
                       (select s.on_hand from stock s where s.node_id = :node and s.sku = k.sku)
                from (select distinct unnest(cast(:skus as text[])) as sku) k
                order by k.sku
                on conflict do nothing
                returning id""",
                new MapSqlParameterSource("node", nodeId).addValue("skus", skus.toArray(String[]::new))
                        .addValue("trigger", trigger.name()).addValue("reason", reason), Long.class);
    }

    /**
     * Asks every node holding units of each sku of {@code reasons} (sku → reason) for a count of it; returns how
     * many counts were asked for. In the caller's transaction when there is one.
     */
    public int requestWhereHeld(java.util.Map<String, String> reasons, CountTrigger trigger) {
        if (reasons.isEmpty()) {
            return 0;
        }
        return jdbc.update("""
                insert into cycle_count (node_id, sku, trigger, reason, status, after_entry_id, on_hand_at_request)
                select s.node_id, s.sku, :trigger, r.reason, 'REQUESTED',
                       coalesce((select max(l.id) from ledger_entry l where l.sku = s.sku and l.node_id = s.node_id), 0), s.on_hand
                from unnest(cast(:skus as text[]), cast(:reasons as text[])) as r(sku, reason)
                join stock s on s.sku = r.sku and s.on_hand > 0
                order by s.node_id, s.sku
                on conflict do nothing""",
                new MapSqlParameterSource("skus", reasons.keySet().toArray(String[]::new))
                        .addValue("reasons", reasons.values().toArray(String[]::new)).addValue("trigger", trigger.name()));
    }

    /**
     * A scheduled pass: each node with a sink (of {@code nodes}, or all when null) is asked to count up to {@code schedulePerNode} of the skus it holds that
     * were not counted within {@code countedWithin}, the longest uncounted first. Returns how many were asked for.
     */
    public int scheduled(Collection<String> nodes) {
        return jdbc.update("""
                insert into cycle_count (node_id, sku, trigger, reason, status, after_entry_id, on_hand_at_request)
                select x.node_id, x.sku, 'SCHEDULE', 'not counted since ' || coalesce(to_char(x.last, 'YYYY-MM-DD'), 'ever'), 'REQUESTED',
                       coalesce((select max(l.id) from ledger_entry l where l.sku = x.sku and l.node_id = x.node_id), 0), x.on_hand
                from (select s.node_id, s.sku, s.on_hand, c.last,
                             row_number() over (partition by s.node_id order by c.last nulls first, s.sku) as rank
                      from stock s join node n on n.id = s.node_id and n.sink <> 'NONE'
                           and (cast(:nodes as text[]) is null or n.id = any(cast(:nodes as text[])))
                      left join lateral (select max(counted_at) as last from cycle_count c
                                         where c.node_id = s.node_id and c.sku = s.sku and c.status = 'COUNTED') c on true
                      where s.on_hand > 0 and (c.last is null or c.last < now() - make_interval(secs => :within))
                        and not exists (select 1 from cycle_count o where o.node_id = s.node_id and o.sku = s.sku and o.status in """ + OPEN + """
                )) x
                where x.rank <= :perNode
                order by x.node_id, x.sku
                on conflict do nothing""",
                new MapSqlParameterSource("within", (double) props.countedWithin().toSeconds()).addValue("perNode", props.schedulePerNode())
                        .addValue("nodes", nodes == null ? null : nodes.toArray(String[]::new)));
    }

    /**
     * Matches open counts with their result: the first SNAPSHOT ledger entry of the node and sku after the count was
     * asked for (not the one a NOT_FOUND rejection writes when it sets on hand to what is reserved). The count takes
     * the entry's figures (the ledger's before, the count, the variance), the entry's reason names the count, and
     * the variance is within tolerance or not. Returns the counts matched.
     */
    public List<Counted> match() {
        return jdbc.query("""
                with found as (
                    select c.id, l.id as entry, l.on_hand_after - l.on_hand_delta as expected, l.on_hand_after as counted,
                           l.on_hand_delta as variance, l.at
                    from cycle_count c
                    cross join lateral (
                        select l.* from ledger_entry l
                        where l.sku = c.sku and l.node_id = c.node_id and l.id > c.after_entry_id and l.kind = 'SNAPSHOT'
                          and not exists (select 1 from ledger_entry n where n.sku = l.sku and n.node_id = l.node_id
                                            and n.kind = 'NOT_FOUND' and n.reference is not distinct from l.reference and n.id > l.id)
                        order by l.id limit 1) l
                    where c.status in """ + OPEN + """
                ),
                counted as (
                    update cycle_count c set status = 'COUNTED', ledger_entry_id = f.entry, expected = f.expected,
                           counted = f.counted, variance = f.variance, counted_at = f.at,
                           within_tolerance = abs(f.variance) <= greatest(:units, ceil(abs(f.expected) * :percent / 100.0))
                    from found f where c.id = f.id
                    returning c.id, c.node_id, c.sku, c.trigger, c.variance, c.within_tolerance, c.ledger_entry_id)
                update ledger_entry e
                set reason = coalesce(e.reason || '; ', '') || 'cycle count ' || counted.id || ' (' || counted.trigger
                             || '): variance ' || counted.variance
                from counted where e.id = counted.ledger_entry_id
                returning counted.id, counted.node_id, counted.sku, counted.variance, counted.within_tolerance""",
                new MapSqlParameterSource("units", props.toleranceUnits()).addValue("percent", props.tolerancePercent()),
                (rs, i) -> new Counted(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getInt(4), rs.getBoolean(5)));
    }

    /**
     * Claims counts to send (REQUESTED, or SENDING for five minutes: a hub stopped while sending them), oldest first,
     * skipping those another instance is claiming; marks them SENDING. With the sink of each one's node.
     */
    public List<Claimed> claim(int limit) {
        return jdbc.query("""
                with claimed as (
                    update cycle_count c set status = 'SENDING', claimed_at = now()
                    where c.id in (select id from cycle_count
                                   where status = 'REQUESTED' or (status = 'SENDING' and claimed_at < now() - interval '5 minutes')
                                   order by id limit :limit for update skip locked)
                    returning c.id, c.node_id, c.sku, c.trigger, c.reason)
                select k.*, coalesce(n.sink, 'NONE') as sink from claimed k left join node n on n.id = k.node_id
                order by k.node_id, k.id""",
                new MapSqlParameterSource("limit", limit),
                (rs, i) -> new Claimed(rs.getLong("id"), rs.getString("node_id"), rs.getString("sku"),
                        CountTrigger.valueOf(rs.getString("trigger")), rs.getString("reason"), rs.getString("sink")));
    }

    /** The request of these counts reached their node's sink (also after a replay of its dead letter). */
    public void sent(Collection<Long> ids, String sentTo) {
        jdbc.update("""
                update cycle_count set status = 'SENT', sent_at = now(), sent_to = :to, dead_letter_id = null
                where id = any(cast(:ids as bigint[])) and status in ('SENDING', 'FAILED', 'REQUESTED')""",
                ids(ids).addValue("to", sentTo));
    }

    /** The request of these counts could not be sent: kept as dead letter {@code deadLetterId}. */
    public void failed(Collection<Long> ids, long deadLetterId) {
        jdbc.update("update cycle_count set status = 'FAILED', dead_letter_id = :dl where id = any(cast(:ids as bigint[])) and status = 'SENDING'",
                ids(ids).addValue("dl", deadLetterId));
    }

    /** Counts claimed and not sent (the hub's database was away, or the hub is stopping): to be claimed again. */
    public void unclaimed(Collection<Long> ids) {
        jdbc.update("update cycle_count set status = 'REQUESTED', claimed_at = null where id = any(cast(:ids as bigint[])) and status = 'SENDING'",
                ids(ids));
    }

    public Optional<CycleCount> find(long id) {
        return jdbc.query("select * from cycle_count where id = :id", new MapSqlParameterSource("id", id), ROW).stream().findFirst();
    }

    /** The latest counts, newest first, of one node or all, in one status or all. */
    public List<CycleCount> recent(String nodeId, Status status, int limit) {
        return jdbc.query("""
                select * from cycle_count where (cast(:node as text) is null or node_id = :node)
                  and (cast(:status as text) is null or status = :status)
                order by id desc limit :limit""",
                new MapSqlParameterSource("node", nodeId).addValue("status", status == null ? null : status.name())
                        .addValue("limit", limit), ROW);
    }

    /** Inventory accuracy of a node over the KPI window: counts within tolerance / counts, and units of variance. */
    public record NodeAccuracy(String nodeId, int counts, int withinTolerance, Double accuracy, long varianceUnits,
                               int open) {
    }

    /** Per node over the KPI window (nodes without counts are left out). */
    public List<NodeAccuracy> accuracy() {
        return jdbc.query("""
                select node_id,
                       count(*) filter (where status = 'COUNTED' and counted_at > now() - make_interval(secs => :window)) as counts,
                       count(*) filter (where status = 'COUNTED' and counted_at > now() - make_interval(secs => :window)
                                          and within_tolerance) as within,
                       coalesce(sum(abs(variance)) filter (where status = 'COUNTED' and counted_at > now() - make_interval(secs => :window)), 0) as units,
                       count(*) filter (where status in """ + OPEN + """
                ) as open
                from cycle_count group by node_id order by node_id""",
                new MapSqlParameterSource("window", (double) props.kpiWindow().toSeconds()),
                (rs, i) -> {
                    int counts = rs.getInt("counts");
                    int within = rs.getInt("within");
                    return new NodeAccuracy(rs.getString("node_id"), counts, within,
                            counts == 0 ? null : (double) within / counts, rs.getLong("units"), rs.getInt("open"));
                });
    }

    /** The KPI window. */
    public Duration kpiWindow() {
        return props.kpiWindow();
    }

    private static MapSqlParameterSource ids(Collection<Long> ids) {
        return new MapSqlParameterSource("ids", ids.toArray(Long[]::new));
    }

    private static Instant instant(Timestamp t) {
        return t == null ? null : t.toInstant();
    }

    private static final RowMapper<CycleCount> ROW = (rs, i) -> new CycleCount(rs.getLong("id"), rs.getString("node_id"),
            rs.getString("sku"), CountTrigger.valueOf(rs.getString("trigger")), rs.getString("reason"),
            Status.valueOf(rs.getString("status")), instant(rs.getTimestamp("requested_at")),
            (Integer) rs.getObject("on_hand_at_request"), instant(rs.getTimestamp("sent_at")), rs.getString("sent_to"),
            (Long) rs.getObject("dead_letter_id"), (Long) rs.getObject("ledger_entry_id"), (Integer) rs.getObject("expected"),
            (Integer) rs.getObject("counted"), (Integer) rs.getObject("variance"), (Boolean) rs.getObject("within_tolerance"),
            instant(rs.getTimestamp("counted_at")));
}
