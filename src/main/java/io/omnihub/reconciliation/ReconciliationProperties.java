package io.omnihub.reconciliation;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Reconciliation ({@code omnihub.reconciliation.*}): how gently a run reads a channel back. Which channels can be
 * read back, and how often, is part of each channel ({@code omnihub.channels.<id>.read-back},
 * {@link io.omnihub.channels.ReadBack}).
 *
 * @param pageSize          figures asked for per read-back page (small pages keep each call and each comparison short)
 * @param minPageIntervalMs the least time between two page requests of a run, so a run never floods a channel
 * @param maxWaitMs         the longest wait a Retry-After may impose before a page is asked for again
 * @param maxPageAttempts   attempts per page for failures other than a 429 (a 429 waits and does not count)
 * @param maxRateLimited    429 answers in a row for one page before the run gives up
 */
@ConfigurationProperties(prefix = "omnihub.reconciliation")
public record ReconciliationProperties(Integer pageSize, Long minPageIntervalMs, Long maxWaitMs, Integer maxPageAttempts,
                                       Integer maxRateLimited) {

    public ReconciliationProperties {
        pageSize = pageSize == null ? 500 : pageSize;
        minPageIntervalMs = minPageIntervalMs == null ? 50L : minPageIntervalMs;
        maxWaitMs = maxWaitMs == null ? 60_000L : maxWaitMs;
        maxPageAttempts = maxPageAttempts == null ? 5 : maxPageAttempts;
        maxRateLimited = maxRateLimited == null ? 50 : maxRateLimited;
    }
}
