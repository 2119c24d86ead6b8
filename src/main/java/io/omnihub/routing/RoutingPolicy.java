package io.omnihub.routing;

import io.omnihub.canonical.FulfillmentType;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The whole routing policy as one immutable record tree: a rule hierarchy per fulfillment type, scoring
 * weights, split allowances per channel and per-node overrides of daily caps and safety stock.
 * <p>
 * The same structure is bound from configuration ({@code omnihub.routing.*}, shipped as {@code routing/policy.yaml})
 * and can be read from a YAML/JSON document by any mapper that understands records (camelCase keys, enum values
 * in upper case), so later versions of the policy can live as data. {@link #validate()} names every broken key.
 *
 * @param version  a label recorded with every decision (for example "2026-11-file")
 * @param rules    per fulfillment type, the rules in order of preference
 * @param scoring  weights of the score that orders candidates inside one rule (lower score wins)
 * @param split    when an order may be split across nodes
 * @param nodes    per node id, overrides of the node's daily order cap and safety stock
 */
public record RoutingPolicy(
        String version,
        Map<FulfillmentType, List<Rule>> rules,
        Scoring scoring,
        Split split,
        Map<String, NodeOverride> nodes) {

    /** Where a rule looks for candidate nodes. */
    public enum Source {
        /** The store the customer chose for pickup or curbside. */
        PICKUP_STORE,
        /** Other stores offering the order's fulfillment type (pickup, curbside, same day), within the rule's radius. */
        NEARBY_STORES,
        /** Warehouses that ship to home. */
        WAREHOUSE,
        /** Stores that ship from store. */
        SHIP_FROM_STORE,
        /** Drop-ship partners. */
        DROPSHIP,
        /** Any node offering same-day delivery, within the rule's radius of the ship-to address. */
        SAME_DAY_NODES
    }

    /**
     * One step of the hierarchy.
     *
     * @param name        the rule's name in decisions ("pickup store", "stores within 10 miles")
     * @param source      where candidates come from
     * @param radiusMiles candidates farther than this from the reference point (the pickup store, else the
     *                    ship-to address) are dropped; null means no limit
     */
    public record Rule(String name, Source source, Double radiusMiles) {
    }

    /** Score = distance × miles + cost × cost per order + load × open orders at the node; lower is better. */
    public record Scoring(Double distance, Double cost, Double load) {
    }

    /**
     * @param defaultAllowed whether a channel without an entry may split (the channel's own setting still applies:
     *                       a split needs both)
     * @param channels       per channel id, whether splitting is allowed
     * @param maxShipments   the most nodes one order may be split across
     */
    public record Split(Boolean defaultAllowed, Map<String, Boolean> channels, Integer maxShipments) {
    }

    /** Per-node overrides; null fields keep the node's own figure. */
    public record NodeOverride(Integer dailyOrderCap, Integer safetyStock) {
    }

    /** The rules for a fulfillment type, empty when none are configured. */
    public List<Rule> rulesFor(FulfillmentType type) {
        List<Rule> list = rules == null ? null : rules.get(type);
        return list == null ? List.of() : list;
    }

    /** Whether the policy lets {@code channel} split (the channel's own setting is checked by the router too). */
    public boolean splitAllowed(String channel) {
        if (split == null) {
            return false;
        }
        Boolean perChannel = split.channels() == null ? null : split.channels().get(channel);
        return perChannel != null ? perChannel : Boolean.TRUE.equals(split.defaultAllowed());
    }

    public int maxShipments() {
        return split == null || split.maxShipments() == null ? 1 : split.maxShipments();
    }

    /**
     * The override for a node. Matched exactly, else ignoring case: configuration binding may lower-case map keys
     * (a key "ST-MAN" can arrive as "st-man" unless written as "[ST-MAN]").
     */
    public NodeOverride overrideFor(String nodeId) {
        if (nodes == null || nodes.isEmpty()) {
            return null;
        }
        NodeOverride exact = nodes.get(nodeId);
        if (exact != null) {
            return exact;
        }
        return nodes.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(nodeId)).map(Map.Entry::getValue)
                .findFirst().orElse(null);
    }

    /**
     * Every problem in the policy, each naming its key under {@code prefix} (for example
     * "omnihub.routing.rules.PICKUP_IN_STORE[1].radiusMiles: must be positive, was -3"); empty when valid.
     */
    public List<String> validate(String prefix) {
        List<String> errors = new ArrayList<>();
        if (version == null || version.isBlank()) {
            errors.add(prefix + ".version: is required (a label recorded with every decision)");
        }
        if (rules == null || rules.isEmpty()) {
            errors.add(prefix + ".rules: is required, with a list of rules per fulfillment type");
        } else {
            for (FulfillmentType type : FulfillmentType.values()) {
                List<Rule> list = rules.get(type);
                if (list == null || list.isEmpty()) {
                    errors.add(prefix + ".rules." + type + ": needs at least one rule (orders of this type could never be routed)");
                    continue;
                }
                for (int i = 0; i < list.size(); i++) {
                    Rule r = list.get(i);
                    String key = prefix + ".rules." + type + "[" + i + "]";
                    if (r == null) {
                        errors.add(key + ": is empty");
                        continue;
                    }
                    if (r.name() == null || r.name().isBlank()) {
                        errors.add(key + ".name: is required");
                    }
                    if (r.source() == null) {
                        errors.add(key + ".source: is required, one of " + List.of(Source.values()));
                    }
                    if (r.radiusMiles() != null && !(r.radiusMiles() > 0)) {
                        errors.add(key + ".radiusMiles: must be positive, was " + r.radiusMiles());
                    }
                    if (r.source() == Source.SAME_DAY_NODES && r.radiusMiles() == null) {
                        errors.add(key + ".radiusMiles: is required for source SAME_DAY_NODES (the same-day radius)");
                    }
                    if (r.source() == Source.PICKUP_STORE && type != FulfillmentType.PICKUP_IN_STORE && type != FulfillmentType.CURBSIDE) {
                        errors.add(key + ".source: PICKUP_STORE only applies to PICKUP_IN_STORE and CURBSIDE orders");
                    }
                }
            }
        }
        if (scoring == null) {
            errors.add(prefix + ".scoring: is required (weights distance, cost, load)");
        } else {
            weight(errors, prefix + ".scoring.distance", scoring.distance());
            weight(errors, prefix + ".scoring.cost", scoring.cost());
            weight(errors, prefix + ".scoring.load", scoring.load());
        }
        if (split == null) {
            errors.add(prefix + ".split: is required (defaultAllowed, maxShipments, channels)");
        } else {
            if (split.defaultAllowed() == null) {
                errors.add(prefix + ".split.defaultAllowed: is required (true or false)");
            }
            if (split.maxShipments() == null || split.maxShipments() < 1 || split.maxShipments() > 10) {
                errors.add(prefix + ".split.maxShipments: must be between 1 and 10, was " + split.maxShipments());
            }
        }
        if (nodes != null) {
            nodes.forEach((id, o) -> {
                if (o == null) {
                    return;
                }
                if (o.dailyOrderCap() != null && o.dailyOrderCap() < 0) {
                    errors.add(prefix + ".nodes." + id + ".dailyOrderCap: cannot be negative, was " + o.dailyOrderCap());
                }
                if (o.safetyStock() != null && o.safetyStock() < 0) {
                    errors.add(prefix + ".nodes." + id + ".safetyStock: cannot be negative, was " + o.safetyStock());
                }
            });
        }
        return errors;
    }

    private static void weight(List<String> errors, String key, Double value) {
        if (value == null) {
            errors.add(key + ": is required");
        } else if (value < 0 || value.isNaN() || value.isInfinite()) {
            errors.add(key + ": must be zero or positive, was " + value);
        }
    }
}
