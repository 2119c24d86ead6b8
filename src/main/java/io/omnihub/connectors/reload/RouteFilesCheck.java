package io.omnihub.connectors.reload;

import org.apache.camel.CamelContext;
import org.apache.camel.spring.boot.CamelContextConfiguration;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Runs {@link RouteFiles} on the route folder ({@code camel.main.routes-include-pattern} when it is a
 * {@code file:} pattern) against the connector folders ({@code camel.component.kamelet.location}) before Camel
 * loads any route; any problem stops the start with every file, line and reason listed.
 */
@Component
public class RouteFilesCheck implements CamelContextConfiguration {

    private final String routesPattern;
    private final String kameletLocation;

    public RouteFilesCheck(@Value("${camel.main.routes-include-pattern:}") String routesPattern,
                           @Value("${camel.component.kamelet.location:}") String kameletLocation) {
        this.routesPattern = routesPattern;
        this.kameletLocation = kameletLocation;
    }

    @Override
    public void beforeApplicationStart(CamelContext camelContext) {
        List<String> problems = new ArrayList<>();
        Set<String> connectors = knownConnectors(kameletLocation);
        for (Path folder : routeFolders(routesPattern)) {
            problems.addAll(RouteFiles.problems(folder, connectors));
        }
        if (!problems.isEmpty()) {
            throw new IllegalStateException("The route files have " + problems.size() + " problem(s):\n  " + String.join("\n  ", problems));
        }
    }

    /** The folders of the {@code file:} patterns of {@code camel.main.routes-include-pattern} ({@code file:routes/*.yaml} is {@code routes}). */
    static List<Path> routeFolders(String routesPattern) {
        List<Path> folders = new ArrayList<>();
        for (String pattern : routesPattern.split(",")) {
            String p = pattern.trim();
            if (p.startsWith("file:") && p.contains("/")) {
                folders.add(Path.of(p.substring("file:".length(), p.lastIndexOf('/'))));
            }
        }
        return folders;
    }

    /** The folders of the {@code file:} entries of {@code camel.component.kamelet.location}. */
    static List<Path> connectorFolders(String kameletLocation) {
        List<Path> folders = new ArrayList<>();
        for (String location : kameletLocation.split(",")) {
            String l = location.trim();
            if (l.startsWith("file:")) {
                folders.add(Path.of(l.substring("file:".length())));
            }
        }
        return folders;
    }

    /** Every connector name in the folders and classpath packages of {@code camel.component.kamelet.location}. */
    static Set<String> knownConnectors(String kameletLocation) {
        Set<String> connectors = RouteFiles.connectorsIn(connectorFolders(kameletLocation));
        for (String location : kameletLocation.split(",")) {
            String l = location.trim();
            if (!l.startsWith("classpath:")) {
                continue;
            }
            try {
                var resources = new org.springframework.core.io.support.PathMatchingResourcePatternResolver()
                        .getResources("classpath*:" + l.substring("classpath:".length()) + "/*.kamelet.yaml");
                for (var r : resources) {
                    String n = r.getFilename();
                    if (n != null) {
                        connectors.add(n.substring(0, n.length() - ".kamelet.yaml".length()));
                    }
                }
            } catch (java.io.IOException e) {
                // a classpath folder that cannot be listed has no connectors to offer
            }
        }
        return connectors;
    }

    @Override
    public void afterApplicationStart(CamelContext camelContext) {
        // nothing to do once started
    }
}
