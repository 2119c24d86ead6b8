package io.omnihub.connectors.reload;

import org.apache.camel.CamelContext;
import org.apache.camel.model.ModelCamelContext;
import org.apache.camel.spring.boot.CamelContextConfiguration;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.stereotype.Component;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Set;

/**
 * Development mode ({@code omnihub.dev.reload=true}, the default outside the {@code prod} profile): once Camel has
 * started, a {@link RouteReloader} watches the route folder of {@code camel.main.routes-include-pattern} and the
 * connector folders of {@code camel.component.kamelet.location}.
 */
@Component
@ConditionalOnProperty(name = "omnihub.dev.reload", havingValue = "true")
public class LiveReload implements CamelContextConfiguration, DisposableBean {

    private final String routesPattern;
    private final String kameletLocation;
    private volatile RouteReloader reloader;

    public LiveReload(@Value("${camel.main.routes-include-pattern:}") String routesPattern,
                      @Value("${camel.component.kamelet.location:}") String kameletLocation) {
        this.routesPattern = routesPattern;
        this.kameletLocation = kameletLocation;
    }

    @Override
    public void beforeApplicationStart(CamelContext camelContext) {
        // the routes are loaded by Camel at start; watching begins once they run
    }

    @Override
    public void afterApplicationStart(CamelContext camelContext) {
        Set<String> connectors = RouteFilesCheck.knownConnectors(kameletLocation);
        RouteReloader r = new RouteReloader((ModelCamelContext) camelContext, RouteFilesCheck.routeFolders(routesPattern),
                RouteFilesCheck.connectorFolders(kameletLocation), connectors);
        try {
            r.start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        reloader = r;
    }

    /** The running reloader, or null before Camel has started. */
    public RouteReloader reloader() {
        return reloader;
    }

    @Override
    public void destroy() {
        RouteReloader r = reloader;
        if (r != null) {
            r.close();
        }
    }
}
