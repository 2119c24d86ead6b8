package io.omnihub.policy;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.PathType;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import io.omnihub.routing.RoutingPolicy;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Reads a routing policy document (YAML or JSON text, or a JSON tree) and validates it twice: against
 * {@code schemas/routing-policy.schema.json} (shape, types, enums) and with {@link RoutingPolicy#validate(String)}
 * (the router's own rules). Every refusal names the JSON path and the reason. Plain Java, thread-safe.
 * <p>
 * A document may be the policy itself or wrapped as in {@code routing/policy.yaml} ({@code omnihub.routing.*}).
 */
public final class PolicyDocuments {

    public static final String SCHEMA = "/schemas/routing-policy.schema.json";

    private final ObjectMapper json = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
            .setSerializationInclusion(JsonInclude.Include.NON_NULL);
    private final ObjectMapper yaml = new YAMLMapper(YAMLFactory.builder()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES).build())
            .setSerializationInclusion(JsonInclude.Include.NON_NULL);
    private final JsonSchema schema;

    public PolicyDocuments() {
        try (InputStream in = PolicyDocuments.class.getResourceAsStream(SCHEMA)) {
            if (in == null) {
                throw new IllegalStateException("missing " + SCHEMA);
            }
            schema = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012)
                    .getSchema(in, SchemaValidatorsConfig.builder().pathType(PathType.JSON_PATH).build());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Parses YAML or JSON text into a tree, unwrapping {@code omnihub.routing}; refuses unreadable text. */
    public JsonNode parse(String text) {
        if (text == null || text.isBlank()) {
            throw new InvalidPolicyException(List.of(new InvalidPolicyException.Problem("$", "the document is empty")));
        }
        JsonNode tree;
        try {
            String t = text.strip();
            tree = t.startsWith("{") ? json.readTree(t) : yaml.readTree(t);
        } catch (JsonProcessingException e) {
            String where = e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr() + ", column "
                    + e.getLocation().getColumnNr() + ")";
            throw new InvalidPolicyException(List.of(new InvalidPolicyException.Problem("$",
                    "not readable as YAML or JSON" + where + ": " + e.getOriginalMessage())));
        }
        return unwrap(tree);
    }

    /** The policy itself when the tree is wrapped as in routing/policy.yaml. */
    public JsonNode unwrap(JsonNode tree) {
        if (tree != null && tree.path("omnihub").path("routing").isObject()) {
            return tree.path("omnihub").path("routing");
        }
        return tree;
    }

    /** Every problem in the document, schema first, then the router's own checks; empty when valid. */
    public List<InvalidPolicyException.Problem> problems(JsonNode document) {
        List<InvalidPolicyException.Problem> problems = new ArrayList<>();
        if (document == null || !document.isObject()) {
            problems.add(new InvalidPolicyException.Problem("$", "must be an object (rules, scoring, split, nodes)"));
            return problems;
        }
        Set<ValidationMessage> messages = schema.validate(document);
        messages.stream()
                .sorted(Comparator.comparing((ValidationMessage m) -> m.getInstanceLocation().toString())
                        .thenComparing(ValidationMessage::getMessage))
                .forEach(m -> problems.add(problem(m)));
        if (!problems.isEmpty()) {
            return dedupe(problems);
        }
        RoutingPolicy policy = bind(document, "check");
        for (String error : policy.validate("$")) {
            int colon = error.indexOf(": ");
            problems.add(colon < 0 ? new InvalidPolicyException.Problem("$", error)
                    : new InvalidPolicyException.Problem(error.substring(0, colon), error.substring(colon + 2)));
        }
        return problems;
    }

    /** Validates and binds; the policy's version label becomes {@code version} (the stored version number). */
    public RoutingPolicy require(JsonNode document, String version) {
        List<InvalidPolicyException.Problem> problems = problems(document);
        if (!problems.isEmpty()) {
            throw new InvalidPolicyException(problems);
        }
        return bind(document, version);
    }

    /** Parses, validates and binds text. */
    public RoutingPolicy require(String text, String version) {
        return require(parse(text), version);
    }

    /** The policy as a YAML document (the form stored when a document arrives as a JSON tree). */
    public String toYaml(Object policyOrTree) {
        try {
            return yaml.writeValueAsString(policyOrTree);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The policy as a JSON tree. */
    public JsonNode toTree(Object policy) {
        return json.valueToTree(policy);
    }

    private RoutingPolicy bind(JsonNode document, String version) {
        ObjectNode copy = ((ObjectNode) document).deepCopy();
        copy.put("version", version);
        try {
            return json.treeToValue(copy, RoutingPolicy.class);
        } catch (JsonProcessingException e) {
            throw new InvalidPolicyException(List.of(new InvalidPolicyException.Problem("$", e.getOriginalMessage())));
        }
    }

    private static InvalidPolicyException.Problem problem(ValidationMessage m) {
        String path = m.getInstanceLocation().toString();
        String type = m.getType();
        if (("required".equals(type) || "additionalProperties".equals(type)) && m.getProperty() != null) {
            path = path + "." + m.getProperty();
        }
        String reason = m.getError() != null ? m.getError() : m.getMessage();
        if ("additionalProperties".equals(type)) {
            reason = "is not a known key here";
        } else if ("required".equals(type)) {
            reason = "is required";
        }
        return new InvalidPolicyException.Problem(path, reason);
    }

    private static List<InvalidPolicyException.Problem> dedupe(List<InvalidPolicyException.Problem> problems) {
        return new ArrayList<>(new LinkedHashSet<>(problems));
    }
}
