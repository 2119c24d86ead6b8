package io.omnihub.delivery;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class FeedCsvTest {

    @Test
    void shouldNeutraliseCellsASpreadsheetWouldTakeForFormulas() {
        assertThat(FeedCsv.cell("=HYPERLINK(\"http://evil\")")).isEqualTo("\"'=HYPERLINK(\"\"http://evil\"\")\"");
        assertThat(FeedCsv.cell("+1+2")).isEqualTo("'+1+2");
        assertThat(FeedCsv.cell("-2+3")).isEqualTo("'-2+3");
        assertThat(FeedCsv.cell("@SUM(A1)")).isEqualTo("'@SUM(A1)");
        assertThat(FeedCsv.cell("\tx")).isEqualTo("'\tx");
    }

    @Test
    void shouldLeaveOrdinaryCellsAloneAndQuoteSeparators() {
        assertThat(FeedCsv.cell("SKU-1001")).isEqualTo("SKU-1001");
        assertThat(FeedCsv.cell("12")).isEqualTo("12");
        assertThat(FeedCsv.cell("a,b")).isEqualTo("\"a,b\"");
        assertThat(FeedCsv.cell(null)).isEmpty();
    }

    @Test
    void shouldWriteAHeaderAndRowsWithCrlf() {
        assertThat(FeedCsv.write(List.of("sku", "available"), List.of(List.of("SKU-1", "3"), List.of("=1+1", "0"))))
                .isEqualTo("sku,available\r\nSKU-1,3\r\n'=1+1,0\r\n");
    }
}
