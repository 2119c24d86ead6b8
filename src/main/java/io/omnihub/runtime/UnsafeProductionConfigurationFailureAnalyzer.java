package io.omnihub.runtime;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Turns {@link ProductionSafety}'s refusal into Spring Boot's "APPLICATION FAILED TO START" report: what is unsafe,
 * one setting per line, and what to do, instead of a stack trace.
 */
public class UnsafeProductionConfigurationFailureAnalyzer
        extends AbstractFailureAnalyzer<ProductionSafety.UnsafeProductionConfigurationException> {

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, ProductionSafety.UnsafeProductionConfigurationException cause) {
        String description = "The prod profile does not start with the demo's secrets or without SFTP host key checking."
                + " Still to set:\n  - " + String.join("\n  - ", cause.problems());
        String action = "Set each variable named above to this installation's own value (with docker compose: in the"
                + " .env file beside docker-compose.yml), and point OMNIHUB_SFTP_KNOWN_HOSTS_FILE at a known-hosts file"
                + " with the SFTP server's host key. Without the prod profile the hub runs as the local demo.";
        return new FailureAnalysis(description, action, cause);
    }
}
