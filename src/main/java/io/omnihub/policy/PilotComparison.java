package io.omnihub.policy;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.omnihub.reference.ReferenceData;
import io.omnihub.routing.RoutingDecision;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.stereotype.Component;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The pilot beside the active policy over the same period, from the decisions the hub recorded: every order's
 * decision names the policy version that made it and whether a piloted policy did. Both sides are the orders received
 * in the period that match the pilot's population (its channel and ship-to region, when it names them), split by who
 * decided: the pilot's share on one side, the policy in force on the other. Per side: orders, routed, unfulfillable,
 * shipments per node and node type, split rate, shipments per order, average and 95th-percentile distance of the
 * chosen nodes, cost per routed order, and the policy versions that decided. Nothing here writes.
 */
@Component
public class PilotComparison {

    /** One side's figures. {@code ordersPerNodeType} and {@code ordersPerNode} count shipments (a split counts each node). */
    public record Figures(int orders, int routed, int unfulfillable, double unfulfillableRate,
                          Map<String, Integer> ordersPerNodeType, Map<String, Integer> ordersPerNode, double splitRate,
                          double shipmentsPerOrder, Double avgDistanceMiles, Double p95DistanceMiles, double costPerOrder,
                          Map<String, Integer> policyVersions) {
    }

    /** The comparison: the period, the population compared, and both sides. */
    public record Comparison(Instant from, Instant to, String channel, String region, Integer pilotVersion,
                             Figures pilot, Figures active) {
    }

    private final NamedParameterJdbcTemplate jdbc;
    private final ObjectMapper mapper;

    private final ReferenceData references;

    public PilotComparison(NamedParameterJdbcTemplate jdbc, ObjectMapper mapper, ReferenceData references) {
        this.jdbc = jdbc;
        this.mapper = mapper;
        this.references = references;
    }

    /** Compares over [from, to) the orders of {@code channel} and {@code region} (either null: any). */
    public Comparison compare(Instant from, Instant to, String channel, String region, Integer pilotVersion) {
        Map<String, ReferenceData.NodeInfo> nodes = references.nodeInfos();
        Side pilot = new Side(nodes);
        Side active = new Side(nodes);
        jdbc.query("""
                select decision::text from orders
                where decision is not null and received_at >= :from and received_at < :to
                  and (cast(:channel as text) is null or channel = :channel)
                  and (cast(:region as text) is null or upper(payload->'shipTo'->>'region') = upper(:region))
                order by received_at, id""",
                new MapSqlParameterSource("from", Timestamp.from(from)).addValue("to", Timestamp.from(to))
                        .addValue("channel", channel).addValue("region", region), rs -> {
                    RoutingDecision d = read(rs.getString(1));
                    if (d != null) {
                        (Boolean.TRUE.equals(d.pilot()) ? pilot : active).add(d);
                    }
                });
        return new Comparison(from, to, channel, region, pilotVersion, pilot.figures(), active.figures());
    }

    private RoutingDecision read(String json) {
        try {
            return mapper.readValue(json, RoutingDecision.class);
        } catch (Exception e) {
            // a decision in another (older) shape is not counted
            return null;
        }
    }

    private static final class Side {
        final Map<String, ReferenceData.NodeInfo> nodes;
        final Map<String, Integer> perType = new TreeMap<>();
        final Map<String, Integer> perNode = new TreeMap<>();
        final Map<String, Integer> versions = new TreeMap<>();
        final Distances distances = new Distances();
        int orders;
        int routed;
        int unfulfillable;
        int split;
        int shipments;
        double cost;

        Side(Map<String, ReferenceData.NodeInfo> nodes) {
            this.nodes = nodes;
        }

        void add(RoutingDecision d) {
            orders++;
            versions.merge(String.valueOf(d.policyVersion()), 1, Integer::sum);
            if (!d.routed()) {
                unfulfillable++;
                return;
            }
            routed++;
            shipments += d.shipments().size();
            if (d.split()) {
                split++;
            }
            for (RoutingDecision.Shipment s : d.shipments()) {
                ReferenceData.NodeInfo node = nodes.get(s.nodeId());
                perNode.merge(s.nodeId(), 1, Integer::sum);
                perType.merge(node == null ? "UNKNOWN" : node.type(), 1, Integer::sum);
                cost += node == null || node.costPerOrder() == null ? 0 : node.costPerOrder().doubleValue();
                List<RoutingDecision.Candidate> candidates = d.candidates() == null ? List.of() : d.candidates();
                candidates.stream().filter(c -> c.nodeId().equals(s.nodeId()) && c.verdict() == RoutingDecision.Verdict.CHOSEN
                        && c.distanceMiles() != null).findFirst().ifPresent(c -> distance(c.distanceMiles()));
            }
        }

        void distance(double miles) {
            distances.add(miles);
        }

        Figures figures() {
            Double avg = distances.average();
            Double p95 = distances.p95();
            return new Figures(orders, routed, unfulfillable, orders == 0 ? 0 : round((double) unfulfillable / orders),
                    new TreeMap<>(perType), new TreeMap<>(perNode), routed == 0 ? 0 : round((double) split / routed),
                    routed == 0 ? 0 : round((double) shipments / routed), avg, p95, routed == 0 ? 0 : round(cost / routed),
                    new TreeMap<>(versions));
        }
    }

    static double round(double d) {
        return Math.round(d * 1000.0) / 1000.0;
    }
}
