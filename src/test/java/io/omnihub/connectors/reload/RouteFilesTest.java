package io.omnihub.connectors.reload;

import org.apache.camel.CamelContext;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.PluginHelper;
import org.apache.camel.support.ResourceHelper;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A broken route file stops the start with the file, the line and what is wrong. */
class RouteFilesTest {

    private static final Path BROKEN = Path.of("src/test/resources/routes-broken");

    @Test
    void shouldNameFileLineAndConnectorOfAnUnknownConnector() {
        List<String> problems = RouteFiles.problems(BROKEN, RouteFiles.connectorsIn(List.of(Path.of("connectors"))));

        assertThat(problems).anySatisfy(p -> assertThat(p)
                .startsWith("routes-broken/unknown-connector.yaml line 6: unknown connector 'sftp-file-sourze' in 'kamelet:sftp-file-sourze'")
                .contains("the connectors are ").contains("sftp-file-source"));
        assertThat(problems).anySatisfy(p -> assertThat(p)
                .startsWith("routes-broken/unknown-connector.yaml line 11: unknown connector 'kafka-sinc'"));
    }

    @Test
    void shouldNameFileAndLineOfYamlThatDoesNotParse() {
        List<String> problems = RouteFiles.problems(BROKEN, Set.of());

        assertThat(problems).anySatisfy(p -> assertThat(p).startsWith("routes-broken/bad-yaml.yaml line 9, column 8: not valid YAML"));
    }

    @Test
    void shouldFindNothingWrongWithTheHubsOwnRoutes() {
        assertThat(RouteFiles.problems(Path.of("routes"), RouteFiles.connectorsIn(List.of(Path.of("connectors"))))).isEmpty();
    }

    @Test
    void camelsRoutesLoaderShouldNameFileAndLineOfAnUnknownStep() throws Exception {
        try (CamelContext camel = new DefaultCamelContext()) {
            camel.start();
            assertThatThrownBy(() -> PluginHelper.getRoutesLoader(camel)
                    .loadRoutes(ResourceHelper.resolveResource(camel, "file:" + BROKEN.resolve("unknown-step.yaml"))))
                    .satisfies(e -> assertThat(messages(e)).contains("unknown-step.yaml").contains("line 9").contains("too"));
        }
    }

    private static String messages(Throwable e) {
        StringBuilder b = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) {
            b.append(t.getMessage()).append('\n');
        }
        return b.toString();
    }
}
