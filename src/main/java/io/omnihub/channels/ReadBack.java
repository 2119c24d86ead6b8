package io.omnihub.channels;

import java.time.Duration;

/**
 * How the reconciliation reads the figures a channel shows ({@code omnihub.channels.<id>.read-back}). The read-back
 * route reads its own settings by property name: {@code url} and {@code auth-value} of a stock export,
 * {@code topic} of a compacted topic, {@code directory}, {@code file-name} and {@code timeout-ms} of a stock file.
 *
 * @param route      the Camel endpoint answering one page of the channel's figures (declared in the channel's
 *                   route file, e.g. direct:channel-marketplace-inventory in routes/channel-marketplace.yaml); none:
 *                   the channel cannot be read back
 * @param interval   how often a run starts on its own; zero or absent: only on demand
 * @param reportOnly drifts are recorded but not repaired
 * @param pageSize   this channel's page size, when it differs from the default
 */
public record ReadBack(String route, Duration interval, Boolean reportOnly, Integer pageSize) {

    public ReadBack {
        interval = interval == null ? Duration.ZERO : interval;
        reportOnly = reportOnly != null && reportOnly;
    }

    /** Whether it names a route (without one the channel cannot be read back). */
    public boolean hasRoute() {
        return route != null && !route.isBlank();
    }
}
