package io.omnihub.fulfillment;

import io.omnihub.inventory.StockLedger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.stereotype.Component;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Node rejection reasons and their effect on stock (configuration {@code omnihub.routing.rejection-reasons}):
 * a reason's code is the start of the rejection's reason text ("NOT_FOUND: shelf empty", "damaged").
 * <ul>
 *   <li>ZERO_UNTIL_COUNT (NOT_FOUND): the node's on hand for the sku is set to what is still reserved there, so it
 *       has nothing to promise, and the count is flagged; the next count sets the real figure. Channels are told
 *       (the ledger writes the stock-changed outbox row).</li>
 *   <li>OUT_OF_SELLABLE (DAMAGED): the rejected quantity leaves on hand (ledger kind DAMAGED).</li>
 *   <li>PAUSE_NODE (NO_CAPACITY): the node takes no new orders for the configured minutes (table node_pause).</li>
 *   <li>FLAG_FOR_COUNT (any other reason): the count is flagged, as before.</li>
 * </ul>
 * Every rejection is kept in node_rejection with its code, for the node audit. Runs in the rejection's transaction.
 */
@Component
@EnableConfigurationProperties(RejectionReasons.Settings.class)
public class RejectionReasons {

    private static final Logger log = LoggerFactory.getLogger(RejectionReasons.class);
    public static final String OTHER = "OTHER";

    /** What a reason does to stock. */
    public enum Effect { ZERO_UNTIL_COUNT, OUT_OF_SELLABLE, PAUSE_NODE, FLAG_FOR_COUNT }

    /** One configured reason. */
    public record Reason(Effect effect, Integer pauseMinutes) {
    }

    /** {@code omnihub.routing.rejection-reasons}: code → effect. */
    @ConfigurationProperties("omnihub.routing")
    public record Settings(Map<String, Reason> rejectionReasons) {
        public Settings {
            rejectionReasons = rejectionReasons == null || rejectionReasons.isEmpty() ? Map.of(
                    "NOT_FOUND", new Reason(Effect.ZERO_UNTIL_COUNT, null),
                    "DAMAGED", new Reason(Effect.OUT_OF_SELLABLE, null),
                    "NO_CAPACITY", new Reason(Effect.PAUSE_NODE, 60)) : rejectionReasons;
        }
    }

    /** A rejected reservation: units of a sku the node gave back. */
    public record Rejected(String sku, int quantity, Integer lineNo) {
    }

    private final Settings settings;
    private final StockLedger ledger;
    private final NamedParameterJdbcTemplate jdbc;

    public RejectionReasons(Settings settings, StockLedger ledger, NamedParameterJdbcTemplate jdbc) {
        this.settings = settings;
        this.ledger = ledger;
        this.jdbc = jdbc;
    }

    /** The configured code the reason text starts with (case and spaces ignored), else OTHER. */
    public String codeOf(String reason) {
        if (reason == null) {
            return OTHER;
        }
        String norm = reason.strip().toUpperCase(Locale.ROOT).replaceAll("[\\s-]+", "_");
        return settings.rejectionReasons().keySet().stream()
                .filter(code -> norm.startsWith(code.toUpperCase(Locale.ROOT)))
                .max(java.util.Comparator.comparingInt(String::length)).map(c -> c.toUpperCase(Locale.ROOT)).orElse(OTHER);
    }

    /**
     * Applies the reason's effect to the rejected units (already released) at {@code nodeId}, records the rejection,
     * and returns a sentence for the order's timeline. Call inside the rejection's transaction.
     */
    public String apply(String orderId, String nodeId, Integer lineNo, String reason, List<Rejected> rejected) {
        String code = codeOf(reason);
        Reason r = settings.rejectionReasons().entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(code))
                .map(Map.Entry::getValue).findFirst().orElse(new Reason(Effect.FLAG_FOR_COUNT, null));
        jdbc.update("insert into node_rejection (node_id, order_id, line_no, reason, detail) values (:n, :o, :l, :r, :d)",
                new MapSqlParameterSource("n", nodeId).addValue("o", orderId).addValue("l", lineNo).addValue("r", code)
                        .addValue("d", reason));
        Map<String, Integer> bySku = new java.util.TreeMap<>();
        rejected.forEach(x -> bySku.merge(x.sku(), x.quantity(), Integer::sum));
        String note = code + ": " + reason;
        switch (r.effect()) {
            case ZERO_UNTIL_COUNT -> {
                bySku.keySet().forEach(sku -> {
                    StockLedger.Figures f = ledger.figures(nodeId, sku);
                    ledger.setOnHand(nodeId, sku, f.reserved(), orderId, note + " (nothing to promise until the next count)");
                    ledger.flagForCount(nodeId, sku, orderId, note);
                });
                return "available at " + nodeId + " set to zero until the next count for " + String.join(", ", bySku.keySet());
            }
            case OUT_OF_SELLABLE -> {
                bySku.forEach((sku, q) -> ledger.adjustOnHand(nodeId, sku, -q, StockLedger.Kind.DAMAGED, orderId, note));
                return "out of sellable stock at " + nodeId + ": " + bySku;
            }
            case PAUSE_NODE -> {
                int minutes = r.pauseMinutes() == null ? 60 : r.pauseMinutes();
                jdbc.update("""
                        insert into node_pause (node_id, until, reason) values (:n, now() + make_interval(mins => :m), :r)
                        on conflict (node_id) do update set until = greatest(node_pause.until, excluded.until), reason = excluded.reason""",
                        new MapSqlParameterSource("n", nodeId).addValue("m", minutes).addValue("r", note));
                bySku.keySet().forEach(sku -> ledger.flagForCount(nodeId, sku, orderId, note));
                log.warn("ALERT node {} paused for new orders for {} minutes: {}", nodeId, minutes, note);
                return nodeId + " paused for new orders for " + minutes + " minutes";
            }
            default -> {
                bySku.keySet().forEach(sku -> ledger.flagForCount(nodeId, sku, orderId, reason));
                return "count flagged for " + String.join(", ", bySku.keySet());
            }
        }
    }
}
