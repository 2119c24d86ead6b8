package io.omnihub.runtime;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.env.EnvironmentPostProcessor;
import org.springframework.core.Ordered;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.Environment;
import org.springframework.core.env.Profiles;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * In the {@code prod} profile the hub refuses to start while a secret still has the demo's value (console users
 * {@code viewer/viewer} and {@code operator/operator}, the channels' webhook secrets and API token, the web callback
 * signing secret, the SFTP and database passwords), or while SFTP would accept any server's host key. It names every
 * such setting in one message, by property and environment variable, never by value, and before anything connects
 * anywhere: it runs as soon as the configuration (with its profiles) is read, ahead of the embedded servers.
 */
public class ProductionSafety implements EnvironmentPostProcessor, Ordered {

    public static final String PROFILE = "prod";

    /** A setting that must not keep the demo's value in production. */
    record DemoSecret(String property, String environmentVariable, String demoValue) {
    }

    /** Every secret application.yaml gives a demo default, with the variable that sets it. */
    static final List<DemoSecret> DEMO_SECRETS = List.of(
            new DemoSecret("omnihub.security.users[0].password", "OMNIHUB_VIEWER_PASSWORD", "viewer"),
            new DemoSecret("omnihub.security.users[1].password", "OMNIHUB_OPERATOR_PASSWORD", "operator"),
            new DemoSecret("omnihub.channels.web.webhook-secret", "OMNIHUB_WEB_WEBHOOK_SECRET", "web-demo-secret"),
            new DemoSecret("omnihub.channels.marketplace.webhook-secret", "OMNIHUB_MARKETPLACE_WEBHOOK_SECRET", "marketplace-demo-secret"),
            new DemoSecret("omnihub.channels.marketplace.api-token", "OMNIHUB_MARKETPLACE_API_TOKEN", "marketplace-demo-token"),
            new DemoSecret("omnihub.channels.pos.webhook-secret", "OMNIHUB_POS_WEBHOOK_SECRET", "pos-demo-secret"),
            new DemoSecret("omnihub.channels.web.sink.secret", "OMNIHUB_WEB_CALLBACK_SECRET", "whsec_d2ViLWNhbGxiYWNrLWRlbW8tc2VjcmV0"),
            new DemoSecret("omnihub.sftp.password", "OMNIHUB_SFTP_PASSWORD", "hub-secret"),
            new DemoSecret("spring.datasource.password", "SPRING_DATASOURCE_PASSWORD", "postgres"));

    @Override
    public int getOrder() {
        // after the configuration files and profiles are read (ConfigDataEnvironmentPostProcessor), before
        // EmbeddedServers (lowest precedence)
        return Ordered.LOWEST_PRECEDENCE - 10;
    }

    @Override
    public void postProcessEnvironment(ConfigurableEnvironment env, SpringApplication application) {
        if (!env.acceptsProfiles(Profiles.of(PROFILE))) {
            return;
        }
        List<String> problems = problems(env);
        if (!problems.isEmpty()) {
            throw new UnsafeProductionConfigurationException(problems);
        }
    }

    /** What is unsafe in {@code env} for production, one line per setting; empty when nothing is. */
    public static List<String> problems(Environment env) {
        List<String> problems = new ArrayList<>();
        for (DemoSecret secret : DEMO_SECRETS) {
            String value = env.getProperty(secret.property());
            if (value == null || value.isBlank()) {
                problems.add(secret.property() + " (" + secret.environmentVariable() + ") is empty");
            } else if (value.equals(secret.demoValue())) {
                problems.add(secret.property() + " (" + secret.environmentVariable() + ") still has the demo's value");
            }
        }
        // JSch (Camel's SFTP) and the SFTP health check must know the server's host key beforehand: without it a
        // man in the middle gets the hub's SFTP password and every partner file
        String strict = env.getProperty("omnihub.sftp.strict-host-key-checking", "");
        if (!"yes".equals(strict)) {
            problems.add("omnihub.sftp.strict-host-key-checking (OMNIHUB_SFTP_STRICT_HOST_KEY_CHECKING) must be yes, is '"
                    + strict + "'");
        }
        String knownHosts = env.getProperty("omnihub.sftp.known-hosts-file", "");
        if (knownHosts.isBlank()) {
            problems.add("omnihub.sftp.known-hosts-file (OMNIHUB_SFTP_KNOWN_HOSTS_FILE) is not set: the SFTP server's host key"
                    + " must come from a known-hosts file (ssh-keyscan -p PORT HOST > known_hosts, then check the key)");
        } else if (!Files.isReadable(Path.of(knownHosts))) {
            problems.add("omnihub.sftp.known-hosts-file (OMNIHUB_SFTP_KNOWN_HOSTS_FILE) names " + knownHosts
                    + ", which is not a readable file");
        }
        return problems;
    }

    /** Thrown at start in the prod profile; {@link UnsafeProductionConfigurationFailureAnalyzer} prints it. */
    public static class UnsafeProductionConfigurationException extends IllegalStateException {

        private final List<String> problems;

        UnsafeProductionConfigurationException(List<String> problems) {
            super("The prod profile refuses to start with demo secrets or without SFTP host key checking:\n  - "
                    + String.join("\n  - ", problems));
            this.problems = List.copyOf(problems);
        }

        public List<String> problems() {
            return problems;
        }
    }
}
