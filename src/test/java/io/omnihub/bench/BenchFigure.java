package io.omnihub.bench;

import java.util.List;

/**
 * One figure of the benchmark table, measured against a running hub. The load generator ({@link BenchMain})
 * runs its own figures and, when present on the test classpath, {@code io.omnihub.bench.RoutingBenchmark} and
 * {@code io.omnihub.bench.SyncLatencyBenchmark}: to join the table such a class implements this interface and
 * has a public no-argument constructor. It must measure its raw limit in the same run and bound every load
 * loop by a count and a time.
 */
public interface BenchFigure {

    /** Drives the hub and returns the rows it adds to the table. */
    List<BenchRow> run(HubUnderTest hub) throws Exception;
}
