package io.omnihub.observability;

import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

class ProgressTest {

    final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-11-25T10:00:00Z"));
    final Progress progress = new Progress(new Clock() {
        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now.get();
        }
    });

    @Test
    void shouldCountRowsDoneOutOfTotalAndFinish() {
        progress.start("file-1", "acme orders.csv", 200);
        progress.advance("file-1", 50);
        progress.advance("file-1", 20);

        assertThat(progress.get("file-1").done()).isEqualTo(70);
        assertThat(progress.get("file-1").percent()).isEqualTo(35);
        assertThat(progress.running()).isEqualTo(1);

        progress.finish("file-1");
        progress.advance("file-1", 5);

        assertThat(progress.get("file-1").state()).isEqualTo("DONE");
        assertThat(progress.get("file-1").done()).as("a finished job does not move").isEqualTo(70);
        assertThat(progress.running()).isZero();
    }

    @Test
    void shouldKeepFinishedJobsForAWhileThenForgetThem() {
        progress.start("a", "first", -1);
        progress.fail("a", "disk full");
        progress.start("b", "second", 10);

        assertThat(progress.jobs()).extracting(Progress.Job::id).containsExactly("a", "b");
        assertThat(progress.get("a").error()).isEqualTo("disk full");
        assertThat(progress.get("a").percent()).isEqualTo(-1);

        now.set(now.get().plus(Progress.KEEP_FINISHED).plus(Duration.ofSeconds(1)));

        assertThat(progress.jobs()).extracting(Progress.Job::id).containsExactly("b");
    }

    @Test
    void shouldIgnoreUnknownJobs() {
        progress.advance("nope", 3);
        progress.finish("nope");
        assertThat(progress.jobs()).isEmpty();
    }
}
