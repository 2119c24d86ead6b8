package io.omnihub.connectors;

import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every SFTP endpoint in the connectors and routes takes its host key policy from configuration: strict checking and
 * the known-hosts file from {@code omnihub.sftp.*} (strict, with a file, in the prod profile: see ProductionSafety), and
 * never the user's own {@code ~/.ssh/known_hosts} (issue 15: the feed and fulfillment sinks had no known-hosts file, so
 * strict checking could not have been turned on for them). The SFTP sink connector takes them itself (issue 19), so a
 * route that uses it names only its folder.
 */
class SftpHostKeysTest {

    @Test
    void shouldGiveEverySftpEndpointTheConfiguredKnownHostsFile() throws IOException {
        List<String> problems = new ArrayList<>();
        int endpoints = 0;
        try (Stream<Path> files = Stream.concat(Files.list(Path.of("connectors")), Files.list(Path.of("routes")))) {
            for (Path file : files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList()) {
                for (Object document : new Yaml().loadAll(Files.readString(file))) {
                    List<Map<?, ?>> found = new ArrayList<>();
                    collectEndpoints(document, found);
                    for (Map<?, ?> endpoint : found) {
                        endpoints++;
                        String uri = String.valueOf(endpoint.get("uri"));
                        Object parameters = endpoint.get("parameters");
                        Map<?, ?> p = parameters instanceof Map<?, ?> m ? m : Map.of();
                        if (uri.startsWith("sftp:")) {
                            if (p.get("knownHostsFile") == null || p.get("strictHostKeyChecking") == null) {
                                problems.add(file + ": " + uri + " has no knownHostsFile or strictHostKeyChecking");
                            }
                            if (!Boolean.FALSE.equals(p.get("useUserKnownHostsFile"))) {
                                problems.add(file + ": " + uri + " would also read ~/.ssh/known_hosts");
                            }
                            if (!String.valueOf(p.get("knownHostsFile")).contains("omnihub.sftp.known-hosts-file")
                                    || !String.valueOf(p.get("strictHostKeyChecking")).contains("omnihub.sftp.strict-host-key-checking")) {
                                problems.add(file + ": " + uri + " does not take omnihub.sftp.known-hosts-file and strict-host-key-checking");
                            }
                        } else if (p.keySet().stream().anyMatch(k -> !"directory".equals(k))) {
                            // the sink connector holds the server, the account and the host key policy (omnihub.sftp.*)
                            problems.add(file + ": " + uri + " overrides the SFTP settings the connector takes from omnihub.sftp.*: " + p.keySet());
                        }
                    }
                }
            }
        }
        assertThat(endpoints).as("SFTP endpoints found").isGreaterThanOrEqualTo(6);
        assertThat(problems).isEmpty();
    }

    /** Every map with a {@code uri} that is an SFTP endpoint or the SFTP sink connector. */
    private static void collectEndpoints(Object node, List<Map<?, ?>> found) {
        if (node instanceof Map<?, ?> map) {
            Object uri = map.get("uri");
            if (uri instanceof String s && (s.startsWith("sftp:") || s.equals("kamelet:sftp-feed-sink"))) {
                found.add(map);
            }
            map.values().forEach(v -> collectEndpoints(v, found));
        } else if (node instanceof List<?> list) {
            list.forEach(v -> collectEndpoints(v, found));
        }
    }
}
