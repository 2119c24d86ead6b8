package io.omnihub.bench;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The table's arithmetic and Markdown, without a hub. */
class BenchRowTest {

    @Test
    void shouldPrintRatiosWithEnoughDigitsAndNaWhenAFigureIsMissing() {
        assertThat(BenchRow.ratio(50, 100)).isEqualTo("0.50×");
        assertThat(BenchRow.ratio(14, 3313)).isEqualTo("0.004×");
        assertThat(BenchRow.ratio(2500, 100)).isEqualTo("25×");
        assertThat(BenchRow.ratio(0, 100)).isEqualTo("n/a");
        assertThat(BenchRow.ratio(10, Double.NaN)).isEqualTo("n/a");
    }

    @Test
    void shouldSayThatThe202MeansStoredInPostgresqlAndDoesNotWaitForKafka() throws Exception {
        String notes = BenchMain.markdown("", List.of(BenchMain.oversubscribedNote(13, 2)), 8, java.time.Duration.ofSeconds(20));
        assertThat(notes).contains("- " + BenchMain.INTAKE_NOTE + "\n")
                .contains("does not wait for Kafka").doesNotContain("waits for Kafka").doesNotContain("DESIGN.md");
        String checkedIn = java.nio.file.Files.readString(java.nio.file.Path.of("docs", "benchmarks.md"));
        assertThat(checkedIn).as("docs/benchmarks.md says what the generator says")
                .contains("- " + BenchMain.INTAKE_NOTE + "\n").doesNotContain("waits for Kafka").doesNotContain("DESIGN.md");
    }

    @Test
    void shouldEscapePipesSoACellNeverBreaksTheTable() {
        String table = BenchMain.table(List.of(new BenchRow("a|b", "1", "2", "0.50×", "x\ny")));
        assertThat(table.lines().toList()).hasSize(3);
        assertThat(table.lines().toList().get(2)).isEqualTo("| a\\|b | 1 | 2 | 0.50× | x y |");
    }

    @Test
    void shouldRecordPercentilesInMilliseconds() {
        Latencies l = new Latencies();
        for (int i = 1; i <= 100; i++) {
            l.record(i * 1_000_000L);
        }
        assertThat(l.count()).isEqualTo(100);
        assertThat(l.percentileMs(50)).isBetween(49.9, 50.1);
        assertThat(l.percentileMs(99)).isBetween(98.9, 99.1);
        assertThat(l.summary()).isEqualTo("p50 50 ms, p99 99 ms");
    }
}
