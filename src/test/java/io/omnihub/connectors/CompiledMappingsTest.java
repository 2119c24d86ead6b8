package io.omnihub.connectors;

import com.dashjoin.jsonata.Jsonata;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.omnihub.canonical.RejectedMessageException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
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

        Jsonata first = mappings.compiled(file);
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
}
