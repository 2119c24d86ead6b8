package io.omnihub.connectors.mapping;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** Every mapping in mappings/ turns its sample input into exactly its expected canonical output. */
class MappingSamplesTest {

    private static final Path SAMPLES = Path.of("src/test/resources/mappings");
    private final ObjectMapper mapper = new ObjectMapper();
    private final Mappings mappings = new Mappings(Path.of("mappings"), mapper);

    @TestFactory
    Stream<DynamicTest> everyMappingMatchesItsExpectedOutput() {
        return mappings.names().stream().map(name -> DynamicTest.dynamicTest(name, () -> {
            Path input = SAMPLES.resolve(name + ".input.json");
            Path expected = SAMPLES.resolve(name + ".expected.json");
            assertThat(input).as("sample input for mapping " + name).exists();
            assertThat(expected).as("expected output for mapping " + name).exists();
            JsonNode actual = mapper.readTree(mappings.apply(name, Files.readString(input)));
            assertThat(actual).isEqualTo(mapper.readTree(Files.readString(expected)));
        }));
    }

    @Test
    void shouldHaveAtLeastTheStorefrontMapping() {
        assertThat(mappings.names()).contains("storefront-order");
    }
}
