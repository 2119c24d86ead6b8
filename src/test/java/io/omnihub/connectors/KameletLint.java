package io.omnihub.connectors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The connector catalogue's rules, after the camel-kamelets validator: file and metadata name agree, a type label,
 * a title and description on the Kamelet and on every property, every required property defined, every property
 * the template uses defined, secrets marked {@code format: password}, sources end in {@code kamelet:sink} and sinks
 * start from {@code kamelet:source}.
 */
final class KameletLint {

    private static final Set<String> TYPES = Set.of("source", "sink", "action");
    private static final Set<String> PROPERTY_TYPES = Set.of("string", "integer", "number", "boolean", "object", "array");
    private static final Pattern SECRET = Pattern.compile("(?i)(.*(password|secret|apikey|api-key|credential|privatekey).*|.*token)");
    private static final Pattern PLACEHOLDER = Pattern.compile("\\{\\{\\??([A-Za-z][A-Za-z0-9_-]*)(:[^}]*)?}}");

    private final ObjectMapper yaml = new ObjectMapper(new YAMLFactory());

    /** Every problem of the Kamelet in {@code file}, each naming the file; empty when it is fine. */
    List<String> problems(Path file) {
        List<String> problems = new ArrayList<>();
        String fileName = file.getFileName().toString();
        JsonNode root;
        try {
            root = yaml.readTree(file.toFile());
        } catch (IOException e) {
            return List.of(fileName + ": not valid YAML: " + e.getMessage());
        }
        if (root == null || !root.isObject()) {
            return List.of(fileName + ": empty or not a mapping");
        }
        if (!fileName.endsWith(".kamelet.yaml")) {
            problems.add(fileName + ": file name must end in .kamelet.yaml");
        }
        String expectedName = fileName.replaceFirst("\\.kamelet\\.yaml$", "");
        if (!"Kamelet".equals(root.path("kind").asText())) {
            problems.add(fileName + ": kind must be Kamelet");
        }
        String name = root.path("metadata").path("name").asText("");
        if (!name.equals(expectedName)) {
            problems.add(fileName + ": metadata.name '" + name + "' must equal the file name '" + expectedName + "'");
        }
        String type = root.path("metadata").path("labels").path("camel.apache.org/kamelet.type").asText("");
        if (!TYPES.contains(type)) {
            problems.add(fileName + ": label camel.apache.org/kamelet.type must be source, sink or action, was '" + type + "'");
        }
        JsonNode definition = root.path("spec").path("definition");
        if (definition.path("title").asText("").isBlank()) {
            problems.add(fileName + ": spec.definition.title is missing");
        }
        if (definition.path("description").asText("").isBlank()) {
            problems.add(fileName + ": spec.definition.description is missing");
        }
        JsonNode properties = definition.path("properties");
        Set<String> defined = new HashSet<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = properties.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> p = it.next();
            String prop = p.getKey();
            JsonNode spec = p.getValue();
            defined.add(prop);
            if (spec.path("title").asText("").isBlank()) {
                problems.add(fileName + ": property '" + prop + "' has no title");
            }
            if (spec.path("description").asText("").isBlank()) {
                problems.add(fileName + ": property '" + prop + "' has no description");
            }
            if (!PROPERTY_TYPES.contains(spec.path("type").asText(""))) {
                problems.add(fileName + ": property '" + prop + "' has no valid type (string, integer, number, boolean, object, array)");
            }
            if (SECRET.matcher(prop).matches() && !"password".equals(spec.path("format").asText(""))) {
                problems.add(fileName + ": property '" + prop + "' is a secret and must have format: password");
            }
            if (spec.has("enum") && spec.has("default")) {
                boolean listed = false;
                for (JsonNode v : spec.get("enum")) {
                    listed |= v.asText().equals(spec.get("default").asText());
                }
                if (!listed) {
                    problems.add(fileName + ": property '" + prop + "' has a default that is not one of its enum values");
                }
            }
        }
        for (JsonNode required : definition.path("required")) {
            if (!defined.contains(required.asText())) {
                problems.add(fileName + ": required property '" + required.asText() + "' is not defined");
            }
        }
        JsonNode template = root.path("spec").path("template");
        if (template.isMissingNode() || template.isNull()) {
            problems.add(fileName + ": spec.template is missing");
            return problems;
        }
        String templateText = template.toString();
        Matcher m = PLACEHOLDER.matcher(templateText);
        Set<String> reported = new HashSet<>();
        while (m.find()) {
            String used = m.group(1);
            if (!defined.contains(used) && reported.add(used)) {
                problems.add(fileName + ": the template uses {{" + used + "}} but no property '" + used + "' is defined");
            }
        }
        String fromUri = template.path("from").path("uri").asText("");
        if ("source".equals(type)) {
            if (!templateText.contains("\"kamelet:sink\"")) {
                problems.add(fileName + ": a source must end in kamelet:sink");
            }
            if (fromUri.startsWith("kamelet:source")) {
                problems.add(fileName + ": a source must not start from kamelet:source");
            }
        }
        if ("sink".equals(type) && !fromUri.equals("kamelet:source")) {
            problems.add(fileName + ": a sink must start from kamelet:source, starts from '" + fromUri + "'");
        }
        return problems;
    }
}
