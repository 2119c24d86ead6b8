package io.omnihub.connectors.reload;

import io.omnihub.support.HubIntegrationTest;
import io.omnihub.support.Signed;
import org.apache.camel.Route;
import org.apache.camel.component.kamelet.Kamelet;
import org.apache.camel.model.ModelCamelContext;
import org.apache.camel.model.RouteDefinition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Live reload on the running hub: a second {@link RouteReloader} on the shared CamelContext watches temporary route
 * and connector folders (the repository's routes/ are never touched); files are written as an editor does and the
 * effect is checked over real HTTP.
 */
class RouteReloaderIT extends HubIntegrationTest {

    /** The secret the probe webhook route names (signingKeyProperty: omnihub.channels.web.webhook-secret). */
    @Value("${omnihub.channels.web.webhook-secret}")
    String webhookSecret;

    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final Duration WAIT = Duration.ofSeconds(20);

    @Autowired
    ModelCamelContext camel;

    @TempDir
    Path temp;

    Path routes;
    Path connectors;
    RouteReloader reloader;
    /** Unique per test: the connector name (its template id is global in the CamelContext) and the URL paths. */
    String probe;

    @BeforeEach
    void startReloader() throws IOException {
        routes = Files.createDirectory(temp.resolve("routes"));
        connectors = Files.createDirectory(temp.resolve("connectors"));
        probe = "reload-probe-" + UUID.randomUUID().toString().substring(0, 8);
        reloader = new RouteReloader(camel, List.of(routes), List.of(connectors, Path.of("connectors")),
                RouteFilesCheck.knownConnectors("classpath:kamelets"));
        reloader.start();
    }

    @AfterEach
    void removeEverythingCreated() throws Exception {
        reloader.close();
        try (Stream<Path> files = Files.list(routes)) {
            for (Path file : files.toList()) {
                Files.delete(file);
                reloader.routeFileChanged(file);
            }
        }
        camel.removeRouteTemplateDefinitions(probe);
        assertThat(camel.getRoutes()).noneMatch(r -> r.getRouteId().startsWith(probe));
        assertThat(connectorRoutes(probe)).isEmpty();
    }

    @Test
    void shouldServeTheEditedRouteWithoutASecondConsumerOfTheConnector() throws Exception {
        writeConnector("kamelet one");
        write("a.yaml", route("a", "route one"));
        awaitAnswer("a", "kamelet one, route one");

        write("a.yaml", route("a", "route two"));
        awaitAnswer("a", "kamelet one, route two");
        write("a.yaml", route("a", "route three"));
        awaitAnswer("a", "kamelet one, route three");

        assertThat(reloader.problems()).isEmpty();
        assertThat(connectorRoutes(probe)).as("the connector routes of the earlier versions are gone").hasSize(1);
        assertThat(reloader.routeIdsOf(routes.resolve("a.yaml"))).contains(probe + "-a").hasSize(2);
        assertThat(camel.getRouteController().getRouteStatus(probe + "-a").isStarted()).isTrue();
    }

    @Test
    void shouldReloadARouteOnTheHubsOwnWebhookConnector() throws Exception {
        String channel = probe.replace("reload-probe-", "rp");
        String url = baseUrl() + "/webhooks/" + channel + "/orders";
        write("webhook.yaml", webhookRoute(channel, "first"));
        await().atMost(WAIT).until(() -> Signed.storefront(url, webhookSecret, "{}").body(), "first"::equals);

        write("webhook.yaml", webhookRoute(channel, "second"));
        await().atMost(WAIT).until(() -> Signed.storefront(url, webhookSecret, "{}").body(), "second"::equals);

        assertThat(reloader.problems()).isEmpty();
        assertThat(Signed.storefront(url, "wrong-secret", "{}").statusCode()).as("the connector still checks signatures").isEqualTo(401);
        assertThat(reloader.routeIdsOf(routes.resolve("webhook.yaml")))
                .as("the route and exactly one webhook-order-source route").hasSize(2);
    }

    @Test
    void shouldReloadEveryRouteUsingAConnectorWhenTheConnectorChanges() throws Exception {
        writeConnector("kamelet one");
        write("a.yaml", route("a", "route a"));
        write("b.yaml", route("b", "route b"));
        awaitAnswer("a", "kamelet one, route a");
        awaitAnswer("b", "kamelet one, route b");

        writeConnector("kamelet two");

        awaitAnswer("a", "kamelet two, route a");
        awaitAnswer("b", "kamelet two, route b");
        assertThat(connectorRoutes(probe)).hasSize(2);
        assertThat(reloader.problems()).isEmpty();
    }

    @Test
    void shouldRemoveTheRoutesOfADeletedFileAndLoadANewOne() throws Exception {
        writeConnector("kamelet one");
        write("a.yaml", route("a", "route a"));
        awaitAnswer("a", "kamelet one, route a");
        Set<String> ids = reloader.routeIdsOf(routes.resolve("a.yaml"));

        Files.delete(routes.resolve("a.yaml"));

        await().atMost(WAIT).untilAsserted(() -> assertThat(ids).hasSize(2).allSatisfy(id -> assertThat(camel.getRoute(id)).isNull()));
        assertThat(connectorRoutes(probe)).isEmpty();
        int never = get("never-routed").statusCode();
        await().atMost(WAIT).untilAsserted(() -> assertThat(get("a").statusCode())
                .as("answers as a path that never had a route").isNotEqualTo(200).isEqualTo(never));

        write("c.yaml", route("c", "route c"));
        awaitAnswer("c", "kamelet one, route c");
    }

    @Nested
    class WhenAnEditIsBroken {

        @BeforeEach
        void runTwoFiles() throws Exception {
            writeConnector("kamelet one");
            write("a.yaml", route("a", "route a"));
            write("b.yaml", route("b", "route b"));
            awaitAnswer("a", "kamelet one, route a");
            awaitAnswer("b", "kamelet one, route b");
        }

        @Test
        void shouldNameFileAndLineOfYamlThatDoesNotParseAndKeepTheRoutesRunning() throws Exception {
            write("a.yaml", route("a", "route a2").replace("      steps:", "    steps:\n  - oops"));

            String problem = awaitProblem("a.yaml");
            assertThat(problem).contains("a.yaml line ").contains("not valid YAML");
            assertThat(get("a").body()).isEqualTo("kamelet one, route a");
            assertThat(get("b").body()).isEqualTo("kamelet one, route b");

            write("a.yaml", route("a", "route a3"));
            awaitAnswer("a", "kamelet one, route a3");
            assertThat(reloader.problems()).isEmpty();
        }

        @Test
        void shouldNameFileAndLineOfAnUnknownStepOrConnector() throws Exception {
            write("a.yaml", route("a", "route a2").replace("setBody:", "setBodyy:"));
            assertThat(awaitProblem("a.yaml")).contains("a.yaml").contains("line 9").contains("setBodyy");

            write("a.yaml", route("a", "route a2").replace("kamelet:" + probe, "kamelet:" + probe + "-typo"));
            await().atMost(WAIT).until(() -> String.valueOf(reloader.problems().get(routes.resolve("a.yaml").toAbsolutePath()))
                    .contains("line 5: unknown connector '" + probe + "-typo'"));

            assertThat(get("a").body()).isEqualTo("kamelet one, route a");
            assertThat(get("b").body()).isEqualTo("kamelet one, route b");
        }

        @Test
        void shouldStartThePreviousVersionAgainWhenTheNewOneFailsToStart() throws Exception {
            // parses, but the connector's required path is missing: the connector route cannot be created
            write("a.yaml", route("a", "route a2").replace("path: ", "paht: "));

            assertThat(awaitProblem("a.yaml")).contains("a.yaml").contains("path");
            awaitAnswer("a", "kamelet one, route a");
            assertThat(get("b").body()).isEqualTo("kamelet one, route b");
            assertThat(connectorRoutes(probe)).hasSize(2);
        }

        @Test
        void shouldKeepTheConnectorsPreviousVersionWhenItsNewOneDoesNotParse() throws Exception {
            write(connectors.resolve(probe + ".kamelet.yaml"), connector("kamelet two").replace("  template:", "  template: ["));

            assertThat(awaitProblem(probe + ".kamelet.yaml")).contains("line ").contains("not valid YAML");
            assertThat(get("a").body()).isEqualTo("kamelet one, route a");
            assertThat(get("b").body()).isEqualTo("kamelet one, route b");
        }
    }

    // --- files, written as an editor saves them (a temporary file moved into place)

    private void write(String name, String content) throws IOException {
        write(routes.resolve(name), content);
    }

    private void writeConnector(String answer) throws IOException {
        write(connectors.resolve(probe + ".kamelet.yaml"), connector(answer));
    }

    private String connector(String answer) {
        return """
                apiVersion: camel.apache.org/v1
                kind: Kamelet
                metadata:
                  name: %s
                  labels:
                    camel.apache.org/kamelet.type: source
                spec:
                  definition:
                    title: Reload probe
                    description: Answers GET /webhooks/reload-probe/{path} with a constant.
                    required: [path]
                    type: object
                    properties:
                      path:
                        title: Path
                        description: The last path segment.
                        type: string
                  template:
                    from:
                      uri: "platform-http:/webhooks/reload-probe/{{path}}"
                      parameters:
                        httpMethodRestrict: GET
                      steps:
                        - setBody:
                            constant: "%s"
                        - to: kamelet:sink
                """.formatted(probe, answer);
    }

    private static void write(Path file, String content) throws IOException {
        Path tmp = file.resolveSibling("." + file.getFileName() + ".tmp");
        Files.writeString(tmp, content);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** A route on the probe connector at /webhooks/reload-probe/{probe}-{name}; line 9 is its setBody step. */
    private String route(String name, String text) {
        return """
                - route:
                    id: %1$s-%2$s
                    description: Reload probe %2$s
                    from:
                      uri: kamelet:%1$s
                      parameters:
                        path: %1$s-%2$s
                      steps:
                        - setBody:
                            simple: "${body}, %3$s"
                """.formatted(probe, name, text);
    }

    private String webhookRoute(String channel, String answer) {
        return """
                - route:
                    id: %1$s-webhook
                    description: Reload probe on webhook-order-source
                    from:
                      uri: kamelet:webhook-order-source
                      parameters:
                        channel: %2$s
                        signingKeyProperty: omnihub.channels.web.webhook-secret
                      steps:
                        - setBody:
                            constant: "%3$s"
                """.formatted(probe, channel, answer);
    }

    // --- checks

    private void awaitAnswer(String name, String expected) {
        await().atMost(WAIT).untilAsserted(() -> {
            HttpResponse<String> r = get(name);
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).isEqualTo(expected);
        });
    }

    private String awaitProblem(String fileName) {
        Path file = (fileName.endsWith(".kamelet.yaml") ? connectors : routes).resolve(fileName).toAbsolutePath().normalize();
        await().atMost(WAIT).until(() -> reloader.problems().containsKey(file));
        return reloader.problems().get(file);
    }

    private HttpResponse<String> get(String name) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(baseUrl() + "/webhooks/reload-probe/" + probe + "-" + name))
                        .timeout(Duration.ofSeconds(10)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** The running routes a connector created. */
    private List<String> connectorRoutes(String templateId) {
        return camel.getRoutes().stream().filter(Route::isCreatedByKamelet).filter(r -> {
            RouteDefinition d = camel.getRouteDefinition(r.getRouteId());
            return d != null && d.getTemplateParameters() != null
                    && templateId.equals(d.getTemplateParameters().get(Kamelet.PARAM_TEMPLATE_ID));
        }).map(Route::getRouteId).toList();
    }
}
