package io.omnihub.observability;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Progress of long work (a large partner file, a bulk recompute) for operators: {@code start(jobId, what, total)},
 * {@code advance(jobId, n)} as rows are done, {@code finish(jobId)} (or {@code fail}). The console shows running jobs
 * and the ones finished in the last {@link #KEEP_FINISHED}; the log gets a line at the start, at every tenth of the
 * way and at the end. Thread safe; unknown job ids are ignored, so a caller never fails because of it.
 */
@Component
public class Progress {

    /** How long a finished job stays visible. */
    public static final Duration KEEP_FINISHED = Duration.ofMinutes(10);

    private static final Logger log = LoggerFactory.getLogger(Progress.class);

    private final Map<String, Job> jobs = new ConcurrentHashMap<>();
    private final Clock clock;

    public Progress() {
        this(Clock.systemUTC());
    }

    Progress(Clock clock) {
        this.clock = clock;
    }

    /** One piece of long work as seen at one moment. {@code total} is -1 when unknown; {@code state} RUNNING, DONE or FAILED. */
    public record Job(String id, String description, long done, long total, String state, Instant startedAt,
                      Instant updatedAt, String error) {

        /** Percent done, or -1 when the total is unknown. */
        public int percent() {
            if (total <= 0) {
                return "DONE".equals(state) ? 100 : -1;
            }
            return (int) Math.min(100, done * 100 / total);
        }
    }

    /** Starts (or restarts) a job; {@code total} may be -1 when unknown. */
    public void start(String jobId, String description, long total) {
        Instant now = clock.instant();
        jobs.put(jobId, new Job(jobId, description, 0, total, "RUNNING", now, now, null));
        log.info("{}: started ({} to do)", description, total < 0 ? "unknown" : total);
        purge();
    }

    /** Adds {@code n} units done to a running job. */
    public void advance(String jobId, long n) {
        Job before = jobs.get(jobId);
        Job after = jobs.computeIfPresent(jobId, (id, j) -> "RUNNING".equals(j.state())
                ? new Job(id, j.description(), j.done() + n, j.total(), j.state(), j.startedAt(), clock.instant(), null)
                : j);
        if (before != null && after != null && after.total() > 0 && after.percent() / 10 > before.percent() / 10) {
            log.info("{}: {} of {} ({}%)", after.description(), after.done(), after.total(), after.percent());
        }
    }

    /** Marks a job done. */
    public void finish(String jobId) {
        Job j = jobs.computeIfPresent(jobId, (id, old) -> new Job(id, old.description(), old.done(),
                old.total(), "DONE", old.startedAt(), clock.instant(), null));
        if (j != null) {
            log.info("{}: done, {} in {} ms", j.description(), j.done(),
                    Duration.between(j.startedAt(), j.updatedAt()).toMillis());
        }
    }

    /** Marks a job failed with a reason. */
    public void fail(String jobId, String error) {
        Job j = jobs.computeIfPresent(jobId, (id, old) -> new Job(id, old.description(), old.done(),
                old.total(), "FAILED", old.startedAt(), clock.instant(), error));
        if (j != null) {
            log.warn("{}: failed after {}: {}", j.description(), j.done(), error);
        }
    }

    /** The job, or null. */
    public Job get(String jobId) {
        return jobs.get(jobId);
    }

    /** Running jobs and those finished recently, newest first. */
    public List<Job> jobs() {
        purge();
        return jobs.values().stream().sorted(Comparator.comparing(Job::startedAt).reversed()).toList();
    }

    /** Number of running jobs. */
    public long running() {
        return jobs.values().stream().filter(j -> "RUNNING".equals(j.state())).count();
    }

    private void purge() {
        Instant cutoff = clock.instant().minus(KEEP_FINISHED);
        jobs.values().removeIf(j -> !"RUNNING".equals(j.state()) && j.updatedAt().isBefore(cutoff));
    }
}
