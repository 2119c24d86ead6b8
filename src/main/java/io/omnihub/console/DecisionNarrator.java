package io.omnihub.console;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Turns a routing decision (the JSON stored in {@code orders.decision}) into plain sentences for operators. A decision
 * of the hub's router ({@link io.omnihub.routing.RoutingDecision}: shipments, candidates with a verdict, summary,
 * policy version) is told as: the summary first, then what each chosen node ships and under which rule, the policy
 * version that decided (and whether it was a pilot), and for every candidate considered whether it was chosen, kept
 * or dropped, with its rank, score, distance and the reason, in words, never as JSON. Any other shape is read
 * generically and defensively (the usual field names: node/nodeId, kept/eligible/selected, reason, score, rule,
 * chosen, candidates at any depth; other scalar fields stated as they are), so an older or foreign decision format
 * does not break the console.
 */
public final class DecisionNarrator {

    /** One sentence; {@code kind} is outcome, rule, chosen, kept, dropped or info (for styling). */
    public record Sentence(String kind, String text) {
    }

    private static final List<String> NODE_FIELDS = List.of("node", "nodeId", "node_id", "id", "name");
    private static final List<String> KEPT_FIELDS = List.of("kept", "eligible", "selected", "chosen", "accepted", "passed");
    private static final List<String> REASON_FIELDS = List.of("reason", "why", "droppedReason", "dropReason",
            "keptReason", "explanation", "filter", "detail", "message");
    private static final List<String> SCORE_FIELDS = List.of("score", "totalScore", "rank");
    private static final List<String> RULE_FIELDS = List.of("rule", "ruleName", "ruleId", "appliedRule", "matchedRule");
    private static final List<String> OUTCOME_FIELDS = List.of("outcome", "status", "result");
    private static final List<String> CHOSEN_FIELDS = List.of("chosen", "chosenNodes", "assignments", "allocations",
            "allocation", "fulfillments", "shipments", "selectedNodes");
    private static final Set<String> STATUS_KEPT = Set.of("KEPT", "CHOSEN", "SELECTED", "ELIGIBLE", "ACCEPTED", "OK", "PASSED");

    private DecisionNarrator() {
    }

    /**
     * The decision in sentences; an empty list for null or empty JSON. Kinds of a router decision: summary, ships
     * (what a chosen node ships), outcome, rule, policy, split, then one per candidate: chosen, kept or dropped;
     * other shapes also use info.
     */
    public static List<Sentence> narrate(JsonNode decision) {
        List<Sentence> out = new ArrayList<>();
        if (decision == null || decision.isNull() || decision.isMissingNode()) {
            return out;
        }
        if (isRouterDecision(decision)) {
            return narrateRouterDecision(decision);
        }
        if (!decision.isObject()) {
            out.add(new Sentence("info", "Decision: " + text(decision) + "."));
            return out;
        }
        String outcome = firstText(decision, OUTCOME_FIELDS);
        if (outcome != null) {
            out.add(new Sentence("outcome", "Outcome: " + outcome + "."));
        }
        String rule = firstText(decision, RULE_FIELDS);
        if (rule != null) {
            out.add(new Sentence("rule", "The rule that applied: " + rule + "."));
        }
        for (String f : CHOSEN_FIELDS) {
            JsonNode chosen = decision.get(f);
            if (chosen != null && !chosen.isNull() && !(chosen.isBoolean())) {
                out.add(new Sentence("chosen", "Fulfilled by " + describeChosen(chosen) + "."));
                break;
            }
        }
        collectCandidates(decision, "", out);
        Set<String> known = new java.util.HashSet<>();
        known.addAll(OUTCOME_FIELDS);
        known.addAll(RULE_FIELDS);
        known.addAll(CHOSEN_FIELDS);
        known.add("candidates");
        for (Iterator<Map.Entry<String, JsonNode>> it = decision.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!known.contains(e.getKey()) && e.getValue().isValueNode() && !e.getValue().isNull()) {
                out.add(new Sentence("info", capitalize(humanize(e.getKey())) + ": " + text(e.getValue()) + "."));
            }
        }
        return out;
    }

    /** A decision written by the hub's router: an object with a shipments array and a policy version or verdicts. */
    static boolean isRouterDecision(JsonNode d) {
        if (!d.isObject() || !d.path("shipments").isArray()) {
            return false;
        }
        if (d.hasNonNull("policyVersion")) {
            return true;
        }
        for (JsonNode c : d.path("candidates")) {
            if (c.hasNonNull("verdict")) {
                return true;
            }
        }
        return false;
    }

    private static List<Sentence> narrateRouterDecision(JsonNode d) {
        List<Sentence> out = new ArrayList<>();
        JsonNode shipments = d.path("shipments");
        boolean routed = !"UNFULFILLABLE".equals(d.path("outcome").asText()) && shipments.size() > 0;
        String summary = d.path("summary").asText("");
        out.add(new Sentence("summary", summary.isBlank() ? (routed ? "Routed." : "Unfulfillable.") : summary));
        Map<String, String> types = new java.util.HashMap<>();
        for (JsonNode c : d.path("candidates")) {
            if (c.hasNonNull("nodeId") && c.hasNonNull("nodeType")) {
                types.putIfAbsent(c.get("nodeId").asText(), c.get("nodeType").asText());
            }
        }
        Set<String> rules = new java.util.LinkedHashSet<>();
        for (JsonNode s : shipments) {
            String node = s.path("nodeId").asText("?");
            String type = types.get(node);
            List<String> lines = new ArrayList<>();
            for (JsonNode a : s.path("allocations")) {
                lines.add("line " + a.path("lineNo").asText("?") + ": " + a.path("quantity").asText("?") + " × " + a.path("sku").asText("?"));
            }
            String rule = s.path("rule").asText(null);
            if (rule != null) {
                rules.add(rule);
            }
            out.add(new Sentence("ships", node + (type == null ? "" : " (" + nodeType(type) + ")") + " ships "
                    + (lines.isEmpty() ? "its part" : String.join("; ", lines))
                    + (rule == null ? "" : ", under rule \"" + rule + "\"") + "."));
        }
        if (!routed) {
            out.add(new Sentence("outcome", "No node was chosen: the order is held as unfulfillable and routed again when stock arrives."));
        }
        if (!rules.isEmpty()) {
            out.add(new Sentence("rule", (rules.size() == 1 ? "The rule that applied: \"" : "The rules that applied: \"")
                    + String.join("\", \"", rules) + "\"."));
        }
        if (d.hasNonNull("policyVersion")) {
            boolean pilot = d.path("pilot").asBoolean(false);
            out.add(new Sentence("policy", "Decided by routing policy version " + d.get("policyVersion").asText()
                    + (pilot ? ", a candidate policy piloted on this order." : ", the policy in force.")));
        }
        if (shipments.size() > 1) {
            out.add(new Sentence("split", "Split into " + shipments.size() + " shipments."));
        }
        for (JsonNode c : d.path("candidates")) {
            out.add(routerCandidate(c));
        }
        return out;
    }

    private static Sentence routerCandidate(JsonNode c) {
        String verdict = c.path("verdict").asText("").toUpperCase(Locale.ROOT);
        String kind = switch (verdict) {
            case "CHOSEN" -> "chosen";
            case "KEPT" -> "kept";
            case "DROPPED" -> "dropped";
            default -> "info";
        };
        String reason = c.path("reason").asText("");
        StringBuilder s = new StringBuilder(c.path("nodeId").asText("a candidate"));
        List<String> about = new ArrayList<>();
        if (c.hasNonNull("nodeType")) {
            about.add(nodeType(c.get("nodeType").asText()));
        }
        if (c.hasNonNull("rule")) {
            about.add("rule \"" + c.get("rule").asText() + "\"");
        }
        if (!about.isEmpty()) {
            s.append(" (").append(String.join(", ", about)).append(")");
        }
        s.append(switch (kind) {
            case "chosen" -> " was chosen";
            case "kept" -> " was kept but not needed";
            case "dropped" -> " was dropped";
            default -> " was considered";
        });
        List<String> figures = new ArrayList<>();
        if (c.path("rank").asInt(0) > 0 && !"dropped".equals(kind)) {
            figures.add("rank " + c.get("rank").asInt());
        }
        if (c.hasNonNull("score")) {
            figures.add("score " + text(c.get("score")));
        }
        if (c.hasNonNull("distanceMiles") && !reason.contains("miles")) {
            figures.add(text(c.get("distanceMiles")) + " miles away");
        }
        if (!figures.isEmpty()) {
            s.append(" — ").append(String.join(", ", figures));
        }
        if (!reason.isBlank()) {
            s.append(": ").append(reason);
        }
        s.append('.');
        return new Sentence(kind, s.toString().replace("..", "."));
    }

    private static String nodeType(String type) {
        return switch (type.toUpperCase(Locale.ROOT)) {
            case "DROPSHIP", "DROP_SHIP" -> "drop-ship partner";
            default -> type.toLowerCase(Locale.ROOT).replace('_', ' ');
        };
    }

    private static void collectCandidates(JsonNode node, String context, List<Sentence> out) {
        if (node.isObject()) {
            String here = contextOf(node, context);
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                JsonNode v = e.getValue();
                if (e.getKey().toLowerCase(Locale.ROOT).contains("candidate") && v.isArray()) {
                    for (JsonNode c : v) {
                        out.add(candidate(c, here));
                    }
                } else if (v.isContainerNode()) {
                    collectCandidates(v, here, out);
                }
            }
        } else if (node.isArray()) {
            for (JsonNode child : node) {
                collectCandidates(child, context, out);
            }
        }
    }

    /** "line 2" when an enclosing object names its line, else the outer context. */
    private static String contextOf(JsonNode node, String outer) {
        for (String f : List.of("lineNo", "line", "line_no")) {
            if (node.has(f) && node.get(f).isValueNode()) {
                return "line " + text(node.get(f));
            }
        }
        return outer;
    }

    private static Sentence candidate(JsonNode c, String context) {
        String prefix = context.isEmpty() ? "" : "For " + context + ", ";
        if (!c.isObject()) {
            return new Sentence("info", prefix + "candidate " + text(c) + ".");
        }
        String node = firstText(c, NODE_FIELDS);
        Boolean kept = kept(c);
        StringBuilder s = new StringBuilder(prefix).append(node == null ? "a candidate" : node)
                .append(kept == null ? " was considered" : kept ? " was kept" : " was dropped");
        List<String> details = new ArrayList<>();
        String score = firstText(c, SCORE_FIELDS);
        if (score != null) {
            details.add("score " + score);
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = c.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String k = e.getKey();
            if (NODE_FIELDS.contains(k) || KEPT_FIELDS.contains(k) || REASON_FIELDS.contains(k) || SCORE_FIELDS.contains(k)
                    || "status".equals(k) || e.getValue().isNull()) {
                continue;
            }
            details.add(humanize(k) + " " + (e.getValue().isValueNode() ? text(e.getValue()) : e.getValue().toString()));
        }
        if (!details.isEmpty()) {
            s.append(" (").append(String.join(", ", details)).append(")");
        }
        String reason = firstText(c, REASON_FIELDS);
        if (reason != null) {
            s.append(": ").append(reason);
        }
        s.append('.');
        return new Sentence(kept == null ? "info" : kept ? "kept" : "dropped", s.toString().replace("..", "."));
    }

    private static Boolean kept(JsonNode c) {
        for (String f : KEPT_FIELDS) {
            JsonNode v = c.get(f);
            if (v != null && v.isBoolean()) {
                return v.asBoolean();
            }
        }
        for (String f : List.of("dropped", "rejected", "filtered")) {
            JsonNode v = c.get(f);
            if (v != null && v.isBoolean()) {
                return !v.asBoolean();
            }
        }
        JsonNode status = c.get("status");
        if (status == null) {
            status = c.get("outcome");
        }
        if (status != null && status.isTextual()) {
            return STATUS_KEPT.contains(status.asText().toUpperCase(Locale.ROOT));
        }
        return null;
    }

    private static String describeChosen(JsonNode chosen) {
        if (chosen.isValueNode()) {
            return text(chosen);
        }
        List<String> parts = new ArrayList<>();
        if (chosen.isArray()) {
            for (JsonNode c : chosen) {
                parts.add(c.isObject() ? describeAssignment(c) : text(c));
            }
        } else if (chosen.isObject()) {
            String node = firstText(chosen, NODE_FIELDS);
            if (node != null) {
                parts.add(describeAssignment(chosen));
            } else {
                chosen.fields().forEachRemaining(e -> parts.add(e.getKey() + " (" + (e.getValue().isValueNode()
                        ? text(e.getValue()) : e.getValue().toString()) + ")"));
            }
        }
        return parts.isEmpty() ? "no node" : String.join("; ", parts);
    }

    private static String describeAssignment(JsonNode a) {
        String node = firstText(a, NODE_FIELDS);
        List<String> extra = new ArrayList<>();
        a.fields().forEachRemaining(e -> {
            if (!NODE_FIELDS.contains(e.getKey()) && !e.getValue().isNull()) {
                extra.add(humanize(e.getKey()) + " " + (e.getValue().isValueNode() ? text(e.getValue()) : e.getValue().toString()));
            }
        });
        return (node == null ? "?" : node) + (extra.isEmpty() ? "" : " (" + String.join(", ", extra) + ")");
    }

    private static String firstText(JsonNode n, List<String> fields) {
        for (String f : fields) {
            JsonNode v = n.get(f);
            if (v != null && v.isValueNode() && !v.isNull() && !v.isBoolean()) {
                return text(v);
            }
            if (v != null && v.isObject()) {
                String inner = firstText(v, List.of("name", "id", "description"));
                if (inner != null) {
                    return inner;
                }
            }
        }
        return null;
    }

    private static String text(JsonNode v) {
        if (v.isFloatingPointNumber()) {
            double d = v.asDouble();
            return d == Math.rint(d) ? String.valueOf((long) d) : String.format(Locale.ROOT, "%.2f", d);
        }
        return v.isValueNode() ? v.asText() : v.toString();
    }

    private static String capitalize(String s) {
        return s.isEmpty() ? s : Character.toUpperCase(s.charAt(0)) + s.substring(1);
    }

    /** "distanceKm" → "distance km", "daily_cap" → "daily cap". */
    static String humanize(String field) {
        return field.replace('_', ' ').replaceAll("([a-z0-9])([A-Z])", "$1 $2").toLowerCase(Locale.ROOT);
    }
}
