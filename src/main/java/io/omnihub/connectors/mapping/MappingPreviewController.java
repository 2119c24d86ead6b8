package io.omnihub.connectors.mapping;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.omnihub.canonical.SchemaValidator;
import io.omnihub.canonical.OrderIds;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code POST /api/mappings/{name}/preview}: runs a mapping of {@code mappings/} on a sample payload, exactly as a
 * route would, and answers the canonical result with its schema violations. The schema is the one the mapping
 * names in a {@code /* schema: NAME *}{@code /} comment (the mapping→schema registry); a mapping that names none is
 * shown without validation. Canonical orders are validated with the hub's own fields (channel, orderId) filled in
 * as intake would, from the {@code channel} parameter; the result shown is the mapping's output as is.
 */
@RestController
public class MappingPreviewController {

    private static final Pattern SCHEMA_TAG = Pattern.compile("/\\*\\s*schema:\\s*([a-z0-9-]+)\\s*\\*/");

    private final Path directory;
    private final Mappings mappings;
    private final SchemaValidator schemas;
    private final ObjectMapper mapper;

    public MappingPreviewController(@Value("${omnihub.mappings.dir:mappings}") String directory, SchemaValidator schemas,
                                    ObjectMapper mapper, CompiledMappings compiled) {
        this.directory = Path.of(directory);
        this.mappings = new Mappings(this.directory, mapper, compiled);
        this.schemas = schemas;
        this.mapper = mapper;
    }

    /** The schema a mapping declares, or null. */
    public static String schemaOf(String mappingText) {
        Matcher m = SCHEMA_TAG.matcher(mappingText);
        return m.find() ? m.group(1) : null;
    }

    @PostMapping(path = "/api/mappings/{name}/preview", produces = MediaType.APPLICATION_JSON_VALUE)
    public ResponseEntity<JsonNode> preview(@PathVariable String name, @RequestBody(required = false) String sample,
                                            @RequestParam(defaultValue = "preview") String channel) {
        ObjectNode answer = mapper.createObjectNode().put("mapping", name);
        if (!name.matches("[a-z0-9][a-z0-9-]*") || !mappings.names().contains(name)) {
            answer.put("error", "no mapping named " + name + "; the mappings are " + String.join(", ", mappings.names()));
            return ResponseEntity.status(404).body(answer);
        }
        if (sample == null || sample.isBlank()) {
            answer.put("error", "the request body must be a sample payload (JSON)");
            return ResponseEntity.badRequest().body(answer);
        }
        try {
            mapper.readTree(sample);
        } catch (JsonProcessingException e) {
            answer.put("error", "the sample is not valid JSON: " + e.getOriginalMessage());
            return ResponseEntity.badRequest().body(answer);
        }
        String schema;
        try {
            schema = schemaOf(Files.readString(directory.resolve(name + ".jsonata"), StandardCharsets.UTF_8));
        } catch (IOException e) {
            answer.put("error", "cannot read mapping " + name + ": " + e.getMessage());
            return ResponseEntity.status(500).body(answer);
        }
        answer.put("schema", schema);
        JsonNode result;
        try {
            result = mapper.readTree(mappings.apply(name, sample));
        } catch (Exception e) {
            answer.put("error", "the mapping failed on this sample: " + e.getMessage());
            return ResponseEntity.unprocessableEntity().body(answer);
        }
        if (schema != null && result != null) {
            List<JsonNode> documents = new ArrayList<>();
            if (result.isArray()) {
                result.forEach(documents::add);
            } else {
                documents.add(result);
            }
            ArrayNode violations = answer.putArray("violations");
            for (int i = 0; i < documents.size(); i++) {
                // validate a copy: the result shown is exactly what the mapping produced
                JsonNode doc = documents.get(i).deepCopy();
                if (SchemaValidator.ORDER.equals(schema) && doc.isObject()) {
                    ObjectNode order = (ObjectNode) doc;
                    order.put("channel", channel);
                    order.put("orderId", OrderIds.of(channel, order.path("channelOrderId").asText("")));
                }
                for (String v : schemas.violations(schema, doc)) {
                    violations.add(result.isArray() ? "[" + i + "] " + v : v);
                }
            }
            answer.put("valid", violations.isEmpty());
        }
        answer.set("result", result);
        return ResponseEntity.ok(answer);
    }
}
