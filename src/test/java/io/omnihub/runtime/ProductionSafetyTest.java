package io.omnihub.runtime;

import io.omnihub.OmnihubApplication;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.env.YamlPropertySourceLoader;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.MutablePropertySources;
import org.springframework.core.env.PropertySource;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;
import org.springframework.core.io.ClassPathResource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The prod profile refuses the demo's secrets and SFTP without host key checking (issue 15, defect 5). Checked on the
 * hub's own application.yaml and application-prod.yaml with the environment variables a deployment would set, without
 * starting a context.
 */
class ProductionSafetyTest {

    /** What a deployment sets: every secret of its own, and a known-hosts file. */
    static Map<String, Object> productionVariables(Path knownHosts) {
        Map<String, Object> env = new HashMap<>();
        ProductionSafety.DEMO_SECRETS.forEach(s -> env.put(s.environmentVariable(), "own-" + s.environmentVariable().toLowerCase()));
        env.put("OMNIHUB_SFTP_KNOWN_HOSTS_FILE", knownHosts.toString());
        return env;
    }

    /**
     * The hub's configuration files in profile {@code profile} (or none), with {@code variables} as the operating
     * system's environment and {@code arguments} as command-line arguments on top.
     */
    static StandardEnvironment environment(String profile, Map<String, Object> variables, Map<String, Object> arguments) throws IOException {
        StandardEnvironment env = new StandardEnvironment();
        MutablePropertySources sources = env.getPropertySources();
        sources.remove(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME);
        sources.remove(StandardEnvironment.SYSTEM_PROPERTIES_PROPERTY_SOURCE_NAME);
        sources.addLast(new MapPropertySource("commandLineArgs", arguments));
        sources.addLast(new SystemEnvironmentPropertySource(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME, variables));
        YamlPropertySourceLoader yaml = new YamlPropertySourceLoader();
        if (profile != null) {
            env.setActiveProfiles(profile);
            for (PropertySource<?> s : yaml.load("application-" + profile, new ClassPathResource("application-" + profile + ".yaml"))) {
                sources.addLast(s);
            }
        }
        for (PropertySource<?> s : yaml.load("application", new ClassPathResource("application.yaml"))) {
            sources.addLast(s);
        }
        return env;
    }

    @Test
    void shouldNameEveryDemoSecretAndTheMissingKnownHostsFileInProd() throws Exception {
        StandardEnvironment env = environment("prod", Map.of(), Map.of());

        List<String> problems = ProductionSafety.problems(env);

        assertThat(problems).hasSize(ProductionSafety.DEMO_SECRETS.size() + 1);
        for (ProductionSafety.DemoSecret secret : ProductionSafety.DEMO_SECRETS) {
            assertThat(problems).as(secret.property())
                    .anyMatch(p -> p.startsWith(secret.property() + " (" + secret.environmentVariable() + ")"));
            assertThat(String.join("\n", problems)).as("never prints a secret").doesNotContain(secret.demoValue());
        }
        assertThat(problems).anyMatch(p -> p.contains("OMNIHUB_SFTP_KNOWN_HOSTS_FILE"));
        assertThat(env.getProperty("omnihub.sftp.strict-host-key-checking")).as("strict in prod").isEqualTo("yes");
    }

    @Test
    void shouldAcceptADeploymentThatSetsEverySecretAndAKnownHostsFile(@TempDir Path dir) throws Exception {
        Path knownHosts = Files.writeString(dir.resolve("known_hosts"), "[sftp]:22 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExample\n");
        StandardEnvironment env = environment("prod", productionVariables(knownHosts), Map.of());

        assertThat(ProductionSafety.problems(env)).isEmpty();
        new ProductionSafety().postProcessEnvironment(env, new SpringApplication());
    }

    @Test
    void shouldRefuseOneDemoSecretLeftAmongOwnOnes(@TempDir Path dir) throws Exception {
        Map<String, Object> variables = productionVariables(Files.writeString(dir.resolve("known_hosts"), "x\n"));
        variables.remove("OMNIHUB_WEB_CALLBACK_SECRET");

        assertThat(ProductionSafety.problems(environment("prod", variables, Map.of())))
                .containsExactly("omnihub.channels.web.sink.secret (OMNIHUB_WEB_CALLBACK_SECRET) still has the demo's value");
    }

    @Test
    void shouldRefuseSftpWithoutStrictHostKeyCheckingOrWithAnUnreadableKnownHostsFile(@TempDir Path dir) throws Exception {
        Map<String, Object> variables = productionVariables(dir.resolve("no-such-known-hosts"));
        StandardEnvironment env = environment("prod", variables, Map.of("omnihub.sftp.strict-host-key-checking", "no"));

        assertThat(ProductionSafety.problems(env)).containsExactlyInAnyOrder(
                "omnihub.sftp.strict-host-key-checking (OMNIHUB_SFTP_STRICT_HOST_KEY_CHECKING) must be yes, is 'no'",
                "omnihub.sftp.known-hosts-file (OMNIHUB_SFTP_KNOWN_HOSTS_FILE) names " + dir.resolve("no-such-known-hosts")
                        + ", which is not a readable file");
    }

    @Test
    void shouldRefuseToStartInProdWithOneReportAndLeaveTheDemoAlone() throws Exception {
        StandardEnvironment prod = environment("prod", Map.of(), Map.of());
        assertThatThrownBy(() -> new ProductionSafety().postProcessEnvironment(prod, new SpringApplication()))
                .isInstanceOfSatisfying(ProductionSafety.UnsafeProductionConfigurationException.class, e -> {
                    FailureAnalysis analysis = new UnsafeProductionConfigurationFailureAnalyzer().analyze(e);
                    assertThat(analysis.getDescription()).contains("OMNIHUB_VIEWER_PASSWORD", "OMNIHUB_OPERATOR_PASSWORD",
                            "OMNIHUB_WEB_WEBHOOK_SECRET", "OMNIHUB_WEB_CALLBACK_SECRET", "OMNIHUB_SFTP_KNOWN_HOSTS_FILE");
                    assertThat(analysis.getAction()).contains(".env");
                });

        // the local demo (no prod profile) keeps its demo secrets
        new ProductionSafety().postProcessEnvironment(environment(null, Map.of(), Map.of()), new SpringApplication());
        assertThat(new ProductionSafety().getOrder()).as("checked before any embedded server starts")
                .isLessThan(new EmbeddedServers().getOrder());
    }

    @Test
    void shouldStopTheHubBeforeAnyContextWhenStartedInProdWithDemoSecrets() {
        // the real start-up path: spring.factories registers the check, so SpringApplication fails while it prepares
        // the environment, before a context, a bean or a connection exists
        assertThatThrownBy(() -> new SpringApplicationBuilder(OmnihubApplication.class).web(WebApplicationType.NONE)
                .profiles("prod").logStartupInfo(false).run())
                .isInstanceOf(ProductionSafety.UnsafeProductionConfigurationException.class)
                .hasMessageContaining("OMNIHUB_OPERATOR_PASSWORD");
    }

    @Test
    void shouldPutTheActuatorOnItsOwnPortInProd() throws Exception {
        StandardEnvironment prod = environment("prod", Map.of(), Map.of());
        // health details and the Prometheus scrape off the public port, as Spring Boot advises for production
        assertThat(prod.getProperty("management.server.port", Integer.class)).isNotNull()
                .isNotEqualTo(prod.getProperty("server.port", Integer.class));
        assertThat(environment(null, Map.of(), Map.of()).getProperty("management.server.port")).isNull();
    }
}
