package io.omnihub.fulfillment;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

class PendingOrdersMarksTest {

    private final AtomicLong clock = new AtomicLong();
    private final PendingOrders.Marks marks = new PendingOrders.Marks(Duration.ofSeconds(10), Duration.ofMinutes(10), clock::get);

    private long at(long seconds) {
        clock.set(Duration.ofSeconds(seconds).toNanos());
        return clock.get();
    }

    @Test
    void fullPassesUntilAPassIsOldEnoughThenTheGainsSinceIt() {
        assertThat(marks.since(at(0))).isNull();
        marks.passed(at(0), 100, true);
        // nothing 10 s old yet: every unfulfillable order again
        assertThat(marks.since(at(2))).isNull();
        marks.passed(at(2), 120, true);
        assertThat(marks.since(at(10))).isEqualTo(100);
        marks.passed(at(10), 130, false);
        // the newest pass at least 10 s old is the one of second 2, which had seen up to 120
        assertThat(marks.since(at(12))).isEqualTo(120);
        marks.passed(at(12), 140, false);
        assertThat(marks.since(at(21))).isEqualTo(130);
        assertThat(marks.since(at(22))).isEqualTo(140);
    }

    @Test
    void aPassThatHitItsLimitSetsNoMarkSoTheNextStartsWhereItDid() {
        marks.passed(at(0), 100, true);
        marks.passed(at(5), 110, false);
        assertThat(marks.since(at(15))).isEqualTo(110);
        // this pass found more than it may take: no mark; the next pass starts from the same place
        assertThat(marks.since(at(17))).isEqualTo(110);
        assertThat(marks.since(at(30))).isEqualTo(110);
    }

    @Test
    void everyTenMinutesAFullPass() {
        marks.passed(at(0), 100, true);
        marks.passed(at(20), 110, false);
        assertThat(marks.since(at(599))).isEqualTo(110);
        assertThat(marks.since(at(600))).isNull();
        marks.passed(at(600), 150, true);
        assertThat(marks.since(at(602))).isEqualTo(110);
    }
}
