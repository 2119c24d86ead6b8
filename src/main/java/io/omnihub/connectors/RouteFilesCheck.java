package io.omnihub.connectors;

import org.apache.camel.CamelContext;
import org.apache.camel.spring.boot.CamelContextConfiguration;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

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
        List<Path> connectorFolders = new ArrayList<>();
        List<String> classpathConnectors = new ArrayList<>();
        for (String location : kameletLocation.split(",")) {
            String l = location.trim();
            if (l.startsWith("file:")) {
                connectorFolders.add(Path.of(l.substring("file:".length())));
            } else if (l.startsWith("classpath:")) {
                classpathConnectors.add(l.substring("classpath:".length()));
            }
        }
        var connectors = RouteFiles.connectorsIn(connectorFolders);
        for (String folder : classpathConnectors) {
            try {
                var resources = new org.springframework.core.io.support.PathMatchingResourcePatternResolver()
                        .getResources("classpath*:" + folder + "/*.kamelet.yaml");
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
        for (String pattern : routesPattern.split(",")) {
            String p = pattern.trim();
            if (p.startsWith("file:") && p.contains("/")) {
                problems.addAll(RouteFiles.problems(Path.of(p.substring("file:".length(), p.lastIndexOf('/'))), connectors));
            }
        }
        if (!problems.isEmpty()) {
            throw new IllegalStateException("The route files have " + problems.size() + " problem(s):\n  " + String.join("\n  ", problems));
        }
    }

    @Override
    public void afterApplicationStart(CamelContext camelContext) {
        // nothing to do once started
    }
}
