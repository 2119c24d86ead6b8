package io.omnihub.bench;

/**
 * One line of the benchmark table: what the hub did, the raw limit of the same machine measured in the same
 * run, and the hub's figure as a share of that limit.
 */
public record BenchRow(String figure, String hub, String limit, String ratio, String notes) {

    /** A figure that could not be measured in this run, with the reason. */
    public static BenchRow notAvailable(String figure, String reason) {
        return new BenchRow(figure, "n/a (" + reason + ")", "", "", "");
    }

    /** {@code hub / limit}, as "0.42×", or "n/a" when either is missing. */
    public static String ratio(double hub, double limit) {
        if (!(hub > 0) || !(limit > 0)) {
            return "n/a";
        }
        double r = hub / limit;
        return String.format(java.util.Locale.ROOT, r >= 10 ? "%.0f×" : r >= 0.1 ? "%.2f×" : r >= 0.001 ? "%.3f×" : "%.1e×", r);
    }

    /** A rate with thousands separators and a unit. */
    public static String rate(double perSecond, String unit) {
        return String.format(java.util.Locale.ROOT, "%,.0f %s", perSecond, unit);
    }
}
