package io.omnihub.canonical;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import org.springframework.stereotype.Component;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Validates canonical messages against their JSON Schemas in {@code classpath:schemas/}. Every inbound
 * message passes through here before it is stored or published.
 */
@Component
public class SchemaValidator {

    /** Canonical schema names, one per record. */
    public static final String ORDER = "canonical-order";
    public static final String STOCK_EVENT = "stock-event";
    public static final String RETURN_EVENT = "return-event";
    public static final String ORDER_STATUS = "order-status";
    public static final String AVAILABLE_TO_SELL = "available-to-sell";
    public static final String SHIPMENT = "shipment";

    private final JsonSchemaFactory factory = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012);
    private final SchemaValidatorsConfig config = SchemaValidatorsConfig.builder()
            .formatAssertionsEnabled(true)
            .build();
    private final Map<String, JsonSchema> schemas = new ConcurrentHashMap<>();
    private final com.fasterxml.jackson.databind.ObjectMapper mapper;

    public SchemaValidator(com.fasterxml.jackson.databind.ObjectMapper mapper) {
        this.mapper = mapper;
    }

    /** The violations of {@code document} against schema {@code name}, as "path: message", sorted; empty when valid. */
    public List<String> violations(String name, JsonNode document) {
        Set<ValidationMessage> messages = schema(name).validate(document);
        return messages.stream()
                .sorted(Comparator.comparing((ValidationMessage m) -> m.getInstanceLocation().toString())
                        .thenComparing(ValidationMessage::getMessage))
                .map(m -> m.getMessage())
                .distinct()
                .toList();
    }

    /** Throws {@link RejectedMessageException} (INVALID) naming every violation when the document does not validate. */
    public void requireValid(String name, JsonNode document) {
        List<String> violations = violations(name, document);
        if (!violations.isEmpty()) {
            throw new RejectedMessageException(ErrorCategory.INVALID,
                    "does not match the " + name + " schema: " + String.join("; ", violations));
        }
    }

    /**
     * Parses {@code json}, validates it against schema {@code name} and reads it as {@code type}; every failure is
     * a {@link RejectedMessageException} (INVALID) that says what was wrong, {@code what} naming the message.
     */
    public <T> T read(String json, String name, Class<T> type, String what) {
        JsonNode tree;
        try {
            tree = mapper.readTree(json);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new RejectedMessageException(ErrorCategory.INVALID, "malformed JSON: " + e.getOriginalMessage());
        }
        if (tree == null || !tree.isObject()) {
            throw new RejectedMessageException(ErrorCategory.INVALID, what + " must be a JSON object");
        }
        requireValid(name, tree);
        try {
            return mapper.treeToValue(tree, type);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new RejectedMessageException(ErrorCategory.INVALID, "not " + what + ": " + e.getOriginalMessage());
        }
    }

    private JsonSchema schema(String name) {
        return schemas.computeIfAbsent(name, n -> {
            try (InputStream in = SchemaValidator.class.getResourceAsStream("/schemas/" + n + ".schema.json")) {
                if (in == null) {
                    throw new IllegalArgumentException("No schema named " + n);
                }
                return factory.getSchema(in, config);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }
}
