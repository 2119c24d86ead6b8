package io.omnihub.cyclecount;

import org.springframework.boot.context.properties.ConfigurationProperties;

import java.time.Duration;

/**
 * Cycle counts ({@code omnihub.cycle-counts.*}, docs/reconciliation.md).
 *
 * @param pollIntervalMs       how often flagged counts are asked for, sent and matched with the counts that came back
 * @param toleranceUnits       a count within this many units of the ledger is accurate
 * @param tolerancePercent     or within this percentage of the ledger's figure (whichever allows more)
 * @param recurringDrifts      a channel drifting on a sku this many times within {@code recurringWindow} asks the
 *                             nodes holding it for a count (0: never)
 * @param recurringWindow      see {@code recurringDrifts}
 * @param scheduleInterval     how often each node is asked to count its skus not counted for {@code countedWithin}
 *                             (zero: no scheduled counts)
 * @param schedulePerNode      skus per node and scheduled pass, longest uncounted first
 * @param countedWithin        see {@code scheduleInterval}
 * @param kpiWindow            the counts and drifts the KPIs are computed over
 */
@ConfigurationProperties(prefix = "omnihub.cycle-counts")
public record CycleCountProperties(Long pollIntervalMs, Integer toleranceUnits, Integer tolerancePercent,
                                   Integer recurringDrifts, Duration recurringWindow, Duration scheduleInterval,
                                   Integer schedulePerNode, Duration countedWithin, Duration kpiWindow) {

    public CycleCountProperties {
        pollIntervalMs = pollIntervalMs == null ? 1000L : pollIntervalMs;
        toleranceUnits = toleranceUnits == null ? 0 : toleranceUnits;
        tolerancePercent = tolerancePercent == null ? 0 : tolerancePercent;
        recurringDrifts = recurringDrifts == null ? 3 : recurringDrifts;
        recurringWindow = recurringWindow == null ? Duration.ofDays(7) : recurringWindow;
        scheduleInterval = scheduleInterval == null ? Duration.ZERO : scheduleInterval;
        schedulePerNode = schedulePerNode == null ? 20 : schedulePerNode;
        countedWithin = countedWithin == null ? Duration.ofDays(90) : countedWithin;
        kpiWindow = kpiWindow == null ? Duration.ofDays(30) : kpiWindow;
    }
}
