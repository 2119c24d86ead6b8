package io.omnihub.connectors;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** Lints every connector in connectors/ (a broken connector fails the build), and proves the linter catches breakage. */
class KameletCatalogueTest {

    private final KameletLint lint = new KameletLint();

    @TestFactory
    Stream<DynamicTest> everyConnectorFollowsTheCatalogueRules() throws IOException {
        List<Path> files;
        try (Stream<Path> list = Files.list(Path.of("connectors"))) {
            files = list.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
        }
        assertThat(files).hasSizeGreaterThanOrEqualTo(4);
        return files.stream().map(f -> DynamicTest.dynamicTest(f.getFileName().toString(),
                () -> assertThat(lint.problems(f)).as("problems of " + f).isEmpty()));
    }

    @Test
    void shouldHaveTheInboundConnectors() {
        assertThat(Path.of("connectors")).isDirectoryContaining("glob:**/webhook-order-source.kamelet.yaml")
                .isDirectoryContaining("glob:**/marketplace-order-poll-source.kamelet.yaml")
                .isDirectoryContaining("glob:**/sftp-file-source.kamelet.yaml")
                .isDirectoryContaining("glob:**/kafka-source.kamelet.yaml")
                .isDirectoryContaining("glob:**/kafka-sink.kamelet.yaml");
    }

    @Test
    void shouldReportEveryProblemOfABrokenSource() {
        List<String> problems = lint.problems(Path.of("src/test/resources/kamelets-broken/broken-source.kamelet.yaml"));

        assertThat(problems).containsExactlyInAnyOrder(
                "broken-source.kamelet.yaml: metadata.name 'not-the-file-name' must equal the file name 'broken-source'",
                "broken-source.kamelet.yaml: property 'apiToken' is a secret and must have format: password",
                "broken-source.kamelet.yaml: property 'url' has no title",
                "broken-source.kamelet.yaml: property 'interval' has no description",
                "broken-source.kamelet.yaml: required property 'region' is not defined",
                "broken-source.kamelet.yaml: the template uses {{limit}} but no property 'limit' is defined",
                "broken-source.kamelet.yaml: a source must end in kamelet:sink");
    }

    @Test
    void shouldReportABrokenSinkAndAMissingTypeLabel() {
        List<String> sink = lint.problems(Path.of("src/test/resources/kamelets-broken/broken-sink.kamelet.yaml"));
        List<String> unlabelled = lint.problems(Path.of("src/test/resources/kamelets-broken/unlabelled.kamelet.yaml"));

        assertThat(sink).containsExactly("broken-sink.kamelet.yaml: a sink must start from kamelet:source, starts from 'timer:tick'");
        assertThat(unlabelled).containsExactly(
                "unlabelled.kamelet.yaml: label camel.apache.org/kamelet.type must be source, sink or action, was ''");
    }
}
