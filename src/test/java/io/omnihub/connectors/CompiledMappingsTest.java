package io.omnihub.connectors;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The compiled-mapping cache of the file connector: one compilation per version of a mapping file, rows kept apart. */
class CompiledMappingsTest {

    private final ObjectMapper mapper = new ObjectMapper();
    private final CompiledMappings mappings = new CompiledMappings();

    @Test
    void shouldMapEveryRowAsTheMappingSaysWhenOneCompilationServesManyRows() throws Exception {
        CompiledMappings.Compiled wmsStock = mappings.get("mappings/wms-stock.jsonata");
        for (int row = 1; row <= 3_000; row++) {
            Map<String, Object> fields = new LinkedHashMap<>();
            fields.put("record_type", row % 2 == 0 ? "ADJ" : "SNAP");
            fields.put("warehouse", "WH-NJ1");
            fields.put("sku", "SKU-" + row);
            fields.put("quantity", Integer.toString(row % 2 == 0 ? -row : row));
            fields.put("_fileId", "f.csv@1");
            fields.put("_row", row);
            var event = mapper.valueToTree(wmsStock.evaluate(fields));
            assertThat(event.get("eventId").asText()).isEqualTo("wms:f.csv@1:" + row);
            assertThat(event.get("type").asText()).isEqualTo(row % 2 == 0 ? "ADJUSTMENT" : "SNAPSHOT");
            assertThat(event.get("quantity").asInt()).isEqualTo(row % 2 == 0 ? -row : row);
            // a variable of an earlier row never shows through
            assertThat(event.has("reason")).isFalse();
        }
        assertThat(mappings.get("mappings/wms-stock.jsonata")).isSameAs(wmsStock);
    }

    @Test
    void shouldCompileAMappingAgainWhenItsFileChanged(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("m.jsonata");
        Files.writeString(file, "{\"v\": a}");
        Files.setLastModifiedTime(file, FileTime.fromMillis(1_000_000));
        CompiledMappings.Compiled first = mappings.get(file.toString());
        assertThat(mapper.valueToTree(first.evaluate(Map.of("a", 1))).get("v").asInt()).isEqualTo(1);

        Files.writeString(file, "{\"v\": a * 10}");
        Files.setLastModifiedTime(file, FileTime.fromMillis(2_000_000));
        CompiledMappings.Compiled second = mappings.get("file:" + file);

        assertThat(second).isNotSameAs(first);
        assertThat(mapper.valueToTree(second.evaluate(Map.of("a", 1))).get("v").asInt()).isEqualTo(10);
    }
}
