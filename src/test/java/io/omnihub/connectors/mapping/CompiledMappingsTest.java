package io.omnihub.connectors.mapping;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.omnihub.canonical.RejectedMessageException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CompiledMappingsTest {

    @TempDir
    Path dir;

    final ObjectMapper mapper = new ObjectMapper();

    @Test
    void shouldCompileAFileOnceAndReuseItUntilTheFileChanges() throws Exception {
        Path file = dir.resolve("m.jsonata");
        Files.writeString(file, "{\"id\": id}");
        CompiledMappings mappings = new CompiledMappings(dir, mapper);

        CompiledMappings.Compiled first = mappings.compiled(file);
        assertThat(mappings.compiled(file)).isSameAs(first);
        assertThat(mappings.apply("m", "{\"id\": 7}")).isEqualTo(Map.of("id", 7));

        // touched without a change: the compiled expression is kept
        Files.setLastModifiedTime(file, FileTime.from(Instant.now().plusSeconds(5)));
        assertThat(mappings.compiled(file)).isSameAs(first);

        // edited: the next message sees the new mapping (live reload, preview)
        Files.writeString(file, "{\"orderId\": id}");
        Files.setLastModifiedTime(file, FileTime.from(Instant.now().plusSeconds(10)));
        assertThat(mappings.apply("m", "{\"id\": 7}")).isEqualTo(Map.of("orderId", 7));
        assertThat(new Mappings(dir, mapper, mappings).apply("m", "{\"id\": 8}")).isEqualTo("{\"orderId\":8}");
    }

    @Test
    void shouldEvaluateOneCompiledExpressionConcurrently() throws Exception {
        Files.writeString(dir.resolve("m.jsonata"), "{\"id\": id, \"total\": $sum(lines.q)}");
        CompiledMappings mappings = new CompiledMappings(dir, mapper);
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<Object>> results = IntStream.range(0, 2_000).mapToObj(i -> pool.submit(() ->
                    mappings.apply("m", Map.of("id", i, "lines", List.of(Map.of("q", i), Map.of("q", 1)))))).toList();
            for (int i = 0; i < results.size(); i++) {
                assertThat(results.get(i).get()).isEqualTo(Map.of("id", i, "total", i + 1));
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void shouldRefuseMalformedJsonAsInvalidInput() throws Exception {
        Files.writeString(dir.resolve("m.jsonata"), "{\"id\": id}");
        CompiledMappings mappings = new CompiledMappings(dir, mapper);
        assertThatThrownBy(() -> mappings.apply("m", "{\"id\": ["))
                .isInstanceOf(RejectedMessageException.class).hasMessageContaining("malformed JSON");
    }

    /** The file connector's use: one compiled version of a mapping for many rows, rows kept apart. */
    private final CompiledMappings rows = new CompiledMappings(Path.of("mappings"), new ObjectMapper());

    @Test
    void shouldMapEveryRowAsTheMappingSaysWhenOneCompilationServesManyRows() throws Exception {
        CompiledMappings.Compiled wmsStock = rows.get("mappings/wms-stock.jsonata");
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
        assertThat(rows.get("mappings/wms-stock.jsonata")).isSameAs(wmsStock);
    }

    @Test
    void shouldCompileAMappingAgainWhenItsFileChanged(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("m.jsonata");
        Files.writeString(file, "{\"v\": a}");
        Files.setLastModifiedTime(file, FileTime.fromMillis(1_000_000));
        CompiledMappings.Compiled first = rows.get(file.toString());
        assertThat(mapper.valueToTree(first.evaluate(Map.of("a", 1))).get("v").asInt()).isEqualTo(1);

        Files.writeString(file, "{\"v\": a * 10}");
        Files.setLastModifiedTime(file, FileTime.fromMillis(2_000_000));
        CompiledMappings.Compiled second = rows.get("file:" + file);

        assertThat(second).isNotSameAs(first);
        assertThat(mapper.valueToTree(second.evaluate(Map.of("a", 1))).get("v").asInt()).isEqualTo(10);
    }
}
