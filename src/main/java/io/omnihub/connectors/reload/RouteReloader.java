package io.omnihub.connectors.reload;

import org.apache.camel.Endpoint;
import org.apache.camel.Route;
import org.apache.camel.RoutesBuilder;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.component.kamelet.Kamelet;
import org.apache.camel.component.kamelet.KameletEndpoint;
import org.apache.camel.model.ModelCamelContext;
import org.apache.camel.model.RouteDefinition;
import org.apache.camel.model.RouteTemplateDefinition;
import org.apache.camel.spi.Resource;
import org.apache.camel.spi.RoutesLoader;
import org.apache.camel.support.PluginHelper;
import org.apache.camel.support.ResourceHelper;
import org.apache.camel.support.RouteTemplateHelper;
import org.apache.camel.support.service.ServiceHelper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.servlet.mvc.method.RequestMappingInfo;
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerMapping;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Live reload of route files and connectors for development: watches route folders ({@code *.yaml}) and connector
 * folders ({@code *.kamelet.yaml}) and, when a file changes, replaces exactly what that file defined.
 * <ul>
 *   <li>A route file changed or created: the routes whose source is that file are removed together with the routes
 *   their connectors created (Kamelet routes, found by their {@code parentRouteId}, transitively), then the file is
 *   loaded again. Camel's own reload ({@code camel.main.routes-reload-*}) leaves the connector routes running, so
 *   the second load of a connector-based route fails with "Multiple consumers for the same endpoint".</li>
 *   <li>A route file deleted: its routes and their connector routes go.</li>
 *   <li>A connector changed: its route template is replaced from the file, then every route file whose routes use it
 *   is reloaded.</li>
 *   <li>A file that does not parse (YAML, unknown connector, unknown step) or whose routes fail to start is reported
 *   with the file, the line and the reason (logged, and kept in {@link #problems()}); the routes of that file keep
 *   running in their previous version and no other file's routes are touched.</li>
 * </ul>
 * Files with anything but {@code route:} entries (route configurations, beans, rests) are not reloaded: a warning
 * says to restart. A plain object, so a test can run one over temporary folders on the running CamelContext.
 */
public final class RouteReloader implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(RouteReloader.class);
    private static final String KAMELET_SUFFIX = ".kamelet.yaml";
    private static final long QUIET_MILLIS = 150;

    private final ModelCamelContext camel;
    private final List<Path> routeFolders;
    private final List<Path> connectorFolders;
    private final Set<String> otherConnectors;
    /** The text of each route file whose routes are running, as last loaded. */
    private final Map<Path, String> running = new ConcurrentHashMap<>();
    /** The text of each connector file whose template is loaded, as last loaded. */
    private final Map<Path, String> connectors = new ConcurrentHashMap<>();
    private final Map<Path, String> problems = new ConcurrentHashMap<>();
    private volatile WatchService watcher;
    private Thread thread;

    /**
     * @param camel            the running CamelContext
     * @param routeFolders     folders of route files ({@code *.yaml}); their files are taken as loaded when
     *                         {@link #start()} is called
     * @param connectorFolders folders of connectors ({@code <name>.kamelet.yaml})
     * @param otherConnectors  connectors that exist outside those folders (the classpath), for the unknown-connector check
     */
    public RouteReloader(ModelCamelContext camel, List<Path> routeFolders, List<Path> connectorFolders, Set<String> otherConnectors) {
        this.camel = camel;
        this.routeFolders = routeFolders.stream().map(RouteReloader::canonical).toList();
        this.connectorFolders = connectorFolders.stream().map(RouteReloader::canonical).toList();
        this.otherConnectors = Set.copyOf(otherConnectors);
    }

    /** Takes the files now in the folders as the running version and starts watching the folders. */
    public synchronized void start() throws IOException {
        for (Path folder : routeFolders) {
            for (Path file : list(folder, ".yaml")) {
                running.put(file, read(file));
            }
        }
        for (Path folder : connectorFolders) {
            for (Path file : list(folder, KAMELET_SUFFIX)) {
                connectors.put(file, read(file));
            }
        }
        watcher = FileSystems.getDefault().newWatchService();
        Set<Path> folders = new LinkedHashSet<>(routeFolders);
        folders.addAll(connectorFolders);
        for (Path folder : folders) {
            if (Files.isDirectory(folder)) {
                folder.register(watcher, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY,
                        StandardWatchEventKinds.ENTRY_DELETE);
            }
        }
        thread = new Thread(this::watch, "omnihub-route-reload");
        thread.setDaemon(true);
        thread.start();
        LOG.info("Live reload of routes and connectors on (folders {} and {}); a changed file replaces its own routes",
                routeFolders, connectorFolders);
    }

    /** Stops watching; the routes stay as they are. */
    @Override
    public void close() {
        WatchService w = watcher;
        watcher = null;
        if (w != null) {
            try {
                w.close();
            } catch (IOException e) {
                LOG.debug("closing the watch service", e);
            }
        }
        if (thread != null) {
            thread.interrupt();
        }
    }

    /** The last reload problem of each file that has one (file, line and reason), until a reload of it succeeds. */
    public Map<Path, String> problems() {
        return Map.copyOf(problems);
    }

    /** Reloads a route file: created, changed or deleted. */
    public synchronized void routeFileChanged(Path file) {
        reloadRouteFile(canonical(file), false);
    }

    /** Replaces a connector's template from its file, then reloads every route file whose routes use it. */
    public synchronized void connectorFileChanged(Path file) {
        Path path = canonical(file);
        String name = path.getFileName().toString();
        String templateId = name.substring(0, name.length() - KAMELET_SUFFIX.length());
        Set<Path> users = routeFilesUsing(templateId);
        if (!Files.exists(path)) {
            connectors.remove(path);
            problems.remove(path);
            removeTemplate(templateId);
            LOG.warn("Connector {} deleted: its template is removed; routes of {} keep running on its last version until "
                    + "their files change or the hub restarts (then they fail to start)", display(path), display(users));
            return;
        }
        String content = read(path);
        if (content == null || content.equals(connectors.get(path))) {
            return;
        }
        List<String> yamlProblems = RouteFiles.problemsOf(path, display(path), Set.of());
        if (!yamlProblems.isEmpty()) {
            fail(path, String.join("; ", yamlProblems), "the connector's previous version stays in use");
            return;
        }
        RouteTemplateDefinition previous = camel.getRouteTemplateDefinition(templateId);
        try {
            removeTemplate(templateId);
            loadTemplate(templateId, path);
        } catch (Exception e) {
            removeTemplate(templateId);
            if (previous != null) {
                try {
                    camel.addRouteTemplateDefinition(previous);
                } catch (Exception restore) {
                    LOG.warn("Could not put back the previous template of connector {}", templateId, restore);
                }
            }
            fail(path, reason(e), "the connector's previous version stays in use");
            return;
        }
        connectors.put(path, content);
        problems.remove(path);
        LOG.info("Connector {} reloaded; reloading the routes that use it: {}", display(path), display(users));
        for (Path user : users) {
            reloadRouteFile(user, true);
        }
    }

    /** The ids of the routes a route file defined, with the connector routes they created. */
    public synchronized Set<String> routeIdsOf(Path file) {
        Set<String> ids = new TreeSet<>(ownRouteIds(canonical(file)));
        ids.addAll(connectorRoutesOf(ids));
        return ids;
    }

    private void reloadRouteFile(Path file, boolean force) {
        if (!Files.exists(file)) {
            Set<String> removed = unload(file);
            running.remove(file);
            problems.remove(file);
            if (!removed.isEmpty()) {
                LOG.info("Route file {} deleted: removed routes {}", display(file), removed);
            }
            return;
        }
        String content = read(file);
        if (content == null || (!force && content.equals(running.get(file)))) {
            return;
        }
        Set<String> kinds = RouteFiles.topLevelKinds(content);
        kinds.remove("route");
        if (!kinds.isEmpty()) {
            LOG.warn("Route file {} changed but is not reloaded: it declares {}, which live reload does not replace; restart the hub",
                    display(file), kinds);
            return;
        }
        List<String> checks = RouteFiles.problemsOf(file, display(file), knownConnectors());
        if (!checks.isEmpty()) {
            fail(file, String.join("; ", checks), keptMessage(file));
            return;
        }
        Resource resource = ResourceHelper.fromString("file:" + file, content);
        try {
            parse(resource);
            loadTemplatesFor(content);
        } catch (Exception e) {
            fail(file, reason(e), keptMessage(file));
            return;
        }
        Set<String> removed = unload(file);
        try {
            loader().loadRoutes(resource);
        } catch (Exception e) {
            unload(file);
            String kept = restore(file);
            fail(file, reason(e), kept);
            return;
        }
        running.put(file, content);
        problems.remove(file);
        LOG.info("Route file {} reloaded: removed {}, now running {}", display(file), removed, routeIdsOf(file));
    }

    /** Puts back the last version of a file that ran; says what runs now. */
    private String restore(Path file) {
        String previous = running.get(file);
        if (previous == null) {
            return "the file has no routes running";
        }
        try {
            loader().loadRoutes(ResourceHelper.fromString("file:" + file, previous));
            return "the file's previous routes were started again";
        } catch (Exception e) {
            unload(file);
            running.remove(file);
            LOG.error("Could not start the previous version of {} again", display(file), e);
            return "its previous routes could not be started again and are gone";
        }
    }

    private String keptMessage(Path file) {
        return running.containsKey(file) ? "the file's previous routes keep running" : "the file has no routes running";
    }

    private void fail(Path file, String reason, String outcome) {
        String message = display(file) + ": " + reason;
        problems.put(file, message);
        LOG.error("Reload of {} failed, {}: {}", display(file), outcome, message);
    }

    /** Stops and removes the routes of a file and the connector routes they created; returns the removed ids. */
    private Set<String> unload(Path file) {
        Set<String> own = ownRouteIds(file);
        Set<String> children = connectorRoutesOf(own);
        // definitions left in the model by a load that failed before its routes started
        List<RouteDefinition> stale = new ArrayList<>();
        for (RouteDefinition d : List.copyOf(camel.getRouteDefinitions())) {
            if (d.getResource() != null && file.equals(pathOf(d.getResource().getLocation())) && camel.getRoute(d.getRouteId()) == null) {
                stale.add(d);
            }
        }
        // stop what feeds a route before the route: source connector routes (they hand their messages to the file's
        // route and would wait for it), then the file's routes, then the sink connector routes they send to
        List<String> feeding = children.stream().filter(id -> !startsFromKameletSource(id)).toList();
        List<String> fed = children.stream().filter(this::startsFromKameletSource).toList();
        List<Object> consumers = new ArrayList<>();
        Set<String> removed = new LinkedHashSet<>();
        for (String id : feeding) {
            // its connector endpoint is the input of a route being removed: no one else can hold it
            remove(id, removed, consumers);
        }
        for (String id : own) {
            remove(id, removed, consumers);
        }
        for (String id : fed) {
            removeConnectorRoute(id, removed, consumers);
        }
        removeHttpMappings(consumers);
        try {
            camel.removeRouteDefinitions(stale);
        } catch (Exception e) {
            LOG.warn("Could not remove the definitions left by a failed load of {}", display(file), e);
        }
        return removed;
    }

    private void removeConnectorRoute(String id, Set<String> removed, List<Object> consumers) {
        // a connector route is shared when another route still holds the same connector endpoint
        if (!connectorEndpointInUse(id)) {
            remove(id, removed, consumers);
        }
    }

    private boolean startsFromKameletSource(String routeId) {
        Route r = camel.getRoute(routeId);
        return r != null && r.getEndpoint() instanceof KameletEndpoint k && isSourceOrSink(k);
    }

    private void remove(String id, Set<String> removed, List<Object> consumers) {
        try {
            Route route = camel.getRoute(id);
            if (route != null && route.getConsumer() != null) {
                consumers.add(route.getConsumer());
            }
            camel.getRouteController().stopRoute(id);
            if (camel.removeRoute(id)) {
                removed.add(id);
            }
        } catch (Exception e) {
            LOG.warn("Could not remove route {}", id, e);
        }
    }

    /**
     * camel-platform-http-starter 4.14 keeps the Spring MVC mapping of a removed platform-http consumer (its
     * unregisterHttpEndpoint does nothing), so a removed path would answer 500 instead of 404: drop those mappings.
     */
    private void removeHttpMappings(List<Object> consumers) {
        if (consumers.isEmpty()) {
            return;
        }
        for (RequestMappingHandlerMapping mapping : camel.getRegistry().findByType(RequestMappingHandlerMapping.class)) {
            for (Map.Entry<RequestMappingInfo, HandlerMethod> e : mapping.getHandlerMethods().entrySet()) {
                Object bean = e.getValue().getBean();
                // the mapping holds a consumer of the removed route's endpoint that no longer runs
                if (bean instanceof org.apache.camel.Consumer c && !ServiceHelper.isStarted(c)
                        && consumers.stream().anyMatch(r -> ((org.apache.camel.Consumer) r).getEndpoint().getEndpointUri().equals(c.getEndpoint().getEndpointUri()))) {
                    mapping.unregisterMapping(e.getKey());
                }
            }
        }
    }

    private boolean connectorEndpointInUse(String routeId) {
        for (Endpoint e : camel.getEndpoints()) {
            if (e instanceof KameletEndpoint k && routeId.equals(k.getRouteId()) && !isSourceOrSink(k)) {
                return true;
            }
        }
        return false;
    }

    private static boolean isSourceOrSink(KameletEndpoint endpoint) {
        String rest = endpoint.getEndpointUri().substring("kamelet:".length()).replaceFirst("^//", "");
        return rest.startsWith(Kamelet.SOURCE_ID) && (rest.length() == 6 || "?/".indexOf(rest.charAt(6)) >= 0)
                || rest.startsWith(Kamelet.SINK_ID) && (rest.length() == 4 || "?/".indexOf(rest.charAt(4)) >= 0);
    }

    /** Routes (not created by a connector) whose source is the file. */
    private Set<String> ownRouteIds(Path file) {
        Set<String> ids = new TreeSet<>();
        for (Route r : camel.getRoutes()) {
            if (!r.isCreatedByKamelet() && r.getSourceResource() != null && file.equals(pathOf(r.getSourceResource().getLocation()))) {
                ids.add(r.getRouteId());
            }
        }
        return ids;
    }

    /** The connector routes created for the given routes, transitively (a connector may use connectors). */
    private Set<String> connectorRoutesOf(Set<String> parents) {
        Set<String> found = new LinkedHashSet<>();
        Set<String> frontier = new LinkedHashSet<>(parents);
        while (!frontier.isEmpty()) {
            Set<String> next = new LinkedHashSet<>();
            for (Route r : camel.getRoutes()) {
                String parent = parentOf(r);
                if (parent != null && frontier.contains(parent) && found.add(r.getRouteId())) {
                    next.add(r.getRouteId());
                }
            }
            frontier = next;
        }
        return found;
    }

    private String parentOf(Route route) {
        if (!route.isCreatedByKamelet()) {
            return null;
        }
        RouteDefinition d = camel.getRouteDefinition(route.getRouteId());
        Object parent = d == null || d.getTemplateParameters() == null ? null : d.getTemplateParameters().get(Kamelet.PARENT_ROUTE_ID);
        return parent == null ? null : parent.toString();
    }

    /** Route files in the watched folders whose routes use the connector, through any depth of connectors. */
    private Set<Path> routeFilesUsing(String templateId) {
        Set<Path> files = new TreeSet<>();
        for (Route r : camel.getRoutes()) {
            RouteDefinition d = r.isCreatedByKamelet() ? camel.getRouteDefinition(r.getRouteId()) : null;
            if (d == null || d.getTemplateParameters() == null || !templateId.equals(d.getTemplateParameters().get(Kamelet.PARAM_TEMPLATE_ID))) {
                continue;
            }
            Route top = r;
            for (int depth = 0; depth < 16 && parentOf(top) != null; depth++) {
                Route parent = camel.getRoute(parentOf(top));
                if (parent == null) {
                    break;
                }
                top = parent;
            }
            Path file = top.getSourceResource() == null ? null : pathOf(top.getSourceResource().getLocation());
            if (file != null && routeFolders.contains(file.getParent())) {
                files.add(file);
            }
        }
        for (Map.Entry<Path, String> e : running.entrySet()) {
            if (RouteFiles.connectorsUsed(e.getValue()).contains(templateId)) {
                files.add(e.getKey());
            }
        }
        return files;
    }

    /** Loads the templates of the connectors a route file uses from the watched connector folders, when not loaded yet. */
    private void loadTemplatesFor(String content) throws Exception {
        for (String name : RouteFiles.connectorsUsed(content)) {
            if (camel.getRouteTemplateDefinition(name) != null) {
                continue;
            }
            for (Path folder : connectorFolders) {
                Path file = folder.resolve(name + KAMELET_SUFFIX);
                if (Files.exists(file)) {
                    loadTemplate(name, file);
                    connectors.put(file, read(file));
                    break;
                }
            }
        }
    }

    private void loadTemplate(String templateId, Path file) throws Exception {
        RouteTemplateHelper.loadRouteTemplateFromLocation(camel, null, templateId, "file:" + file.getParent());
        if (camel.getRouteTemplateDefinition(templateId) == null) {
            throw new IllegalArgumentException("it defines no route template named " + templateId
                    + " (metadata.name must be the file name without .kamelet.yaml)");
        }
    }

    private void removeTemplate(String templateId) {
        RouteTemplateDefinition t = camel.getRouteTemplateDefinition(templateId);
        if (t != null) {
            try {
                camel.removeRouteTemplateDefinition(t);
            } catch (Exception e) {
                LOG.warn("Could not remove the template of connector {}", templateId, e);
            }
        }
    }

    /** Builds the file's route definitions without adding them: Camel's YAML errors (unknown steps, options) with their line. */
    private void parse(Resource resource) throws Exception {
        Collection<RoutesBuilder> builders = loader().findRoutesBuilders(List.of(resource));
        for (RoutesBuilder b : builders) {
            if (b instanceof RouteBuilder rb) {
                rb.configureRoutes(camel);
            }
        }
    }

    private Set<String> knownConnectors() {
        Set<String> known = RouteFiles.connectorsIn(connectorFolders);
        known.addAll(otherConnectors);
        return known;
    }

    private RoutesLoader loader() {
        return PluginHelper.getRoutesLoader(camel);
    }

    private void watch() {
        WatchService w;
        while ((w = watcher) != null) {
            try {
                WatchKey key = w.take();
                Set<Path> changed = new LinkedHashSet<>();
                collect(key, changed);
                // editors write a file in several steps: wait until the folder is quiet
                WatchKey more;
                while ((more = w.poll(QUIET_MILLIS, TimeUnit.MILLISECONDS)) != null) {
                    collect(more, changed);
                }
                for (Path file : changed) {
                    dispatch(file);
                }
            } catch (ClosedWatchServiceException | InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                LOG.error("Live reload failed", e);
            }
        }
    }

    private void collect(WatchKey key, Set<Path> changed) {
        Path folder = (Path) key.watchable();
        for (WatchEvent<?> event : key.pollEvents()) {
            if (event.kind() == StandardWatchEventKinds.OVERFLOW) {
                changed.addAll(list(folder, ".yaml"));
                running.keySet().stream().filter(f -> folder.equals(f.getParent())).forEach(changed::add);
            } else {
                changed.add(folder.resolve((Path) event.context()));
            }
        }
        key.reset();
    }

    private void dispatch(Path file) {
        String name = file.getFileName().toString();
        try {
            if (name.endsWith(KAMELET_SUFFIX) && connectorFolders.contains(file.getParent())) {
                connectorFileChanged(file);
            } else if (name.endsWith(".yaml") && routeFolders.contains(file.getParent())) {
                routeFileChanged(file);
            }
        } catch (RuntimeException e) {
            fail(file, reason(e), "nothing was changed for it");
        }
    }

    /** Every distinct message of the cause chain: Camel puts the file and line in one and the reason in another. */
    static String reason(Throwable e) {
        Set<String> parts = new LinkedHashSet<>();
        for (Throwable t = e; t != null && parts.size() < 6; t = t.getCause()) {
            String m = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage().strip();
            if (parts.stream().noneMatch(p -> p.contains(m))) {
                parts.add(m);
            }
        }
        return String.join(": ", parts);
    }

    private static String display(Path file) {
        Path cwd = canonical(Path.of(""));
        return file.startsWith(cwd) ? cwd.relativize(file).toString() : file.toString();
    }

    private static String display(Collection<Path> files) {
        return files.stream().map(RouteReloader::display).toList().toString();
    }

    private static Path pathOf(String location) {
        if (location == null || !location.startsWith("file:")) {
            return null;
        }
        return canonical(Path.of(location.substring("file:".length())));
    }

    private static Path canonical(Path p) {
        return p.toAbsolutePath().normalize();
    }

    private static List<Path> list(Path folder, String suffix) {
        if (!Files.isDirectory(folder)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(folder)) {
            return files.filter(f -> f.getFileName().toString().endsWith(suffix)).map(RouteReloader::canonical).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
