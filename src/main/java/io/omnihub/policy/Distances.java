package io.omnihub.policy;

import java.util.Arrays;

/**
 * The shipping distances of a set of orders, for their average and 95th percentile, as the simulation report and
 * the pilot comparison show them (rounded like their other figures); both are null when no distance was added.
 */
final class Distances {

    private double[] miles = new double[64];
    private int count;

    void add(double distanceMiles) {
        if (count == miles.length) {
            miles = Arrays.copyOf(miles, miles.length * 2);
        }
        miles[count++] = distanceMiles;
    }

    Double average() {
        return count == 0 ? null : SimulationReport.round(Arrays.stream(miles, 0, count).sum() / count);
    }

    Double p95() {
        if (count == 0) {
            return null;
        }
        double[] sorted = Arrays.copyOf(miles, count);
        Arrays.sort(sorted);
        return SimulationReport.round(sorted[Math.max(0, (int) Math.ceil(0.95 * count) - 1)]);
    }
}
