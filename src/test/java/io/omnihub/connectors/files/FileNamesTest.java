package io.omnihub.connectors.files;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** File names from partners: plain names only, never a path out of their folder. */
class FileNamesTest {

    @Test
    void shouldAcceptPlainNames() {
        assertThat(FileNames.refusal("stock-20261125.csv")).isNull();
        assertThat(FileNames.refusal("Shipments 2026_11_25.json")).isNull();
    }

    @Test
    void shouldRefuseDotDotAndAbsolutePaths() {
        assertThat(FileNames.refusal("../wms/stock.csv")).contains("contains a path");
        assertThat(FileNames.refusal("inbound/../../etc/passwd")).contains("contains a path");
        assertThat(FileNames.refusal("..\\stock.csv")).contains("contains a path");
        assertThat(FileNames.refusal("/etc/passwd")).contains("absolute path");
        assertThat(FileNames.refusal("C:\\stock.csv")).contains("absolute path");
        assertThat(FileNames.refusal("..")).isNotNull();
    }

    @Test
    void shouldRefuseHiddenAndControlCharacterNames() {
        assertThat(FileNames.refusal(".hidden.csv")).contains("characters");
        assertThat(FileNames.refusal("stock\u0000.csv")).contains("characters").doesNotContain("\u0000");
        assertThat(FileNames.refusal("")).isEqualTo("file name is empty");
    }

    @Test
    void shouldNeutraliseSpreadsheetFormulasInResultFiles() {
        FileReport report = new FileReport("x.csv");
        report.row(1, null);
        report.row(2, "=HYPERLINK(\"http://evil\")");
        assertThat(report.csv()).isEqualTo("row,status,reason\n1,accepted,\n2,rejected,\"'=HYPERLINK(\"\"http://evil\"\")\"\n");
    }
}
