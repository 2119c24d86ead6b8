package io.omnihub.connectors.mapping;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.omnihub.canonical.SchemaValidator;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every mapping names the canonical schema it produces ({@code /* schema: NAME *}{@code /}, the registry the
 * preview API uses), and its expected sample output is valid against that schema.
 */
class MappingSchemasTest {

    private final ObjectMapper mapper = new ObjectMapper();
    private final Mappings mappings = new Mappings(Path.of("mappings"), mapper);
    private final SchemaValidator schemas = new SchemaValidator(new com.fasterxml.jackson.databind.ObjectMapper());

    @TestFactory
    Stream<DynamicTest> everyMappingsExpectedOutputIsValidAgainstItsSchema() {
        return mappings.names().stream().map(name -> DynamicTest.dynamicTest(name, () -> {
            String schema = MappingPreviewController.schemaOf(Files.readString(Path.of("mappings", name + ".jsonata")));
            assertThat(schema).as("schema tag of mapping " + name).isNotNull();
            JsonNode expected = mapper.readTree(Files.readString(Path.of("src/test/resources/mappings", name + ".expected.json")));
            List<JsonNode> documents = new ArrayList<>();
            if (expected.isArray()) {
                expected.forEach(documents::add);
            } else {
                documents.add(expected);
            }
            for (JsonNode doc : documents) {
                if (SchemaValidator.ORDER.equals(schema)) {
                    ((ObjectNode) doc).put("channel", "web").put("orderId", "OH-TEST");
                }
                assertThat(schemas.violations(schema, doc)).as(name + " against " + schema).isEmpty();
            }
        }));
    }

    @Test
    void shouldReadTheSchemaTag() {
        assertThat(MappingPreviewController.schemaOf("(\n  /* schema: stock-event */\n  {}\n)")).isEqualTo("stock-event");
        assertThat(MappingPreviewController.schemaOf("( {} )")).isNull();
    }
}
