package io.omnihub.connectors.reload;

import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Checks the route files before the hub loads them, so a platform team's mistake stops the start with the file,
 * the line and what is wrong: YAML that does not parse, and a {@code kamelet:} endpoint naming a connector that is
 * in none of the connector folders. (Camel itself reports unknown steps and options with their location.)
 */
public final class RouteFiles {

    private static final Pattern KAMELET = Pattern.compile("^kamelet:(?://)?([A-Za-z0-9][A-Za-z0-9-]*)");
    private static final Pattern KAMELET_ANYWHERE = Pattern.compile("kamelet:(?://)?([A-Za-z0-9][A-Za-z0-9-]*)");
    private static final Set<String> BUILT_IN = Set.of("source", "sink");

    private RouteFiles() {
    }

    /** Every problem of the {@code *.yaml} files in {@code routes}, given the connectors that exist; empty when fine. */
    public static List<String> problems(Path routes, Set<String> connectors) {
        List<String> problems = new ArrayList<>();
        if (!Files.isDirectory(routes)) {
            return problems;
        }
        List<Path> files;
        try (Stream<Path> list = Files.list(routes)) {
            files = list.filter(p -> p.getFileName().toString().endsWith(".yaml")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        for (Path file : files) {
            problems.addAll(problemsOf(file, routes.getFileName() + "/" + file.getFileName(), connectors));
        }
        return problems;
    }

    /** Every problem of one route file, named {@code name} in the messages, given the connectors that exist. */
    public static List<String> problemsOf(Path file, String name, Set<String> connectors) {
        List<String> problems = new ArrayList<>();
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            for (Node document : new Yaml(new LoaderOptions()).composeAll(reader)) {
                walk(document, name, connectors, problems);
            }
        } catch (MarkedYAMLException e) {
            problems.add(name + " line " + (e.getProblemMark().getLine() + 1) + ", column " + (e.getProblemMark().getColumn() + 1)
                    + ": not valid YAML: " + e.getProblem() + (e.getContext() == null ? "" : " (" + e.getContext() + ")"));
        } catch (YAMLException e) {
            problems.add(name + ": not valid YAML: " + e.getMessage());
        } catch (IOException e) {
            problems.add(name + ": cannot be read: " + e.getMessage());
        }
        return problems;
    }

    /** The top-level kinds of a route file ({@code route}, {@code routeConfiguration}, {@code beans}, ...); empty when it does not parse. */
    public static Set<String> topLevelKinds(String content) {
        Set<String> kinds = new TreeSet<>();
        try {
            for (Node document : new Yaml(new LoaderOptions()).composeAll(new java.io.StringReader(content))) {
                if (document instanceof SequenceNode s) {
                    for (Node item : s.getValue()) {
                        if (item instanceof MappingNode m) {
                            m.getValue().forEach(t -> kinds.add(t.getKeyNode() instanceof ScalarNode k ? k.getValue() : "?"));
                        }
                    }
                } else if (document instanceof MappingNode m) {
                    m.getValue().forEach(t -> kinds.add(t.getKeyNode() instanceof ScalarNode k ? k.getValue() : "?"));
                }
            }
        } catch (YAMLException e) {
            kinds.clear();
        }
        return kinds;
    }

    /** The connector names a route file's text refers to ({@code kamelet:<name>}), without {@code source} and {@code sink}. */
    public static Set<String> connectorsUsed(String content) {
        Set<String> names = new TreeSet<>();
        Matcher m = KAMELET_ANYWHERE.matcher(content);
        while (m.find()) {
            if (!BUILT_IN.contains(m.group(1))) {
                names.add(m.group(1));
            }
        }
        return names;
    }

    /** The connector names ({@code <name>.kamelet.yaml}) in the given folders. */
    public static Set<String> connectorsIn(List<Path> folders) {
        Set<String> names = new TreeSet<>();
        for (Path folder : folders) {
            if (!Files.isDirectory(folder)) {
                continue;
            }
            try (Stream<Path> list = Files.list(folder)) {
                list.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".kamelet.yaml"))
                        .map(n -> n.substring(0, n.length() - ".kamelet.yaml".length())).forEach(names::add);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return names;
    }

    private static void walk(Node node, String file, Set<String> connectors, List<String> problems) {
        if (node instanceof MappingNode m) {
            for (NodeTuple t : m.getValue()) {
                walk(t.getKeyNode(), file, connectors, problems);
                walk(t.getValueNode(), file, connectors, problems);
            }
        } else if (node instanceof SequenceNode s) {
            s.getValue().forEach(n -> walk(n, file, connectors, problems));
        } else if (node instanceof ScalarNode s) {
            Matcher m = KAMELET.matcher(s.getValue());
            if (m.find() && !BUILT_IN.contains(m.group(1)) && !connectors.contains(m.group(1))) {
                problems.add(file + " line " + (s.getStartMark().getLine() + 1) + ": unknown connector '" + m.group(1)
                        + "' in '" + s.getValue() + "'; the connectors are " + String.join(", ", connectors));
            }
        }
    }
}
