package io.omnihub.support;

import io.omnihub.OmnihubApplication;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.test.context.ActiveProfiles;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Base64;

/**
 * Base of every integration test: the whole hub on its real embedded PostgreSQL, Kafka and SFTP servers, on free
 * ports, with a fresh data directory per test JVM. Every subclass uses this exact configuration, so Spring
 * builds one context and the servers start once per test JVM. Tests create their own skus (see
 * {@link TestData}) so they do not disturb each other.
 */
@SpringBootTest(classes = OmnihubApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@ActiveProfiles("test")
public abstract class HubIntegrationTest {

    static {
        // the marketplace API stub must be up before the context, whose marketplace-orders route polls it
        MarketplaceStub.server();
        if (System.getProperty("omnihub.data-dir") == null) {
            try {
                System.setProperty("omnihub.data-dir", Files.createTempDirectory("omnihub-test-").toString());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        // the stores' HTTP endpoint (fulfillment requests), on a port application-test.yaml reads
        StoreStub.start();
    }

    @Value("${local.server.port}")
    protected int port;

    @Value("${omnihub.kafka.brokers}")
    protected String kafkaBrokers;

    @Autowired
    protected NamedParameterJdbcTemplate jdbc;

    protected String baseUrl() {
        return "http://localhost:" + port;
    }

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    /**
     * A JSON call to the hub's API as {@code user} (the demo users' password is their name: viewer, operator);
     * {@code body} null for none.
     */
    protected HttpResponse<String> api(String method, String path, String user, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(baseUrl() + path)).timeout(Duration.ofSeconds(30))
                .header("Authorization", "Basic " + Base64.getEncoder().encodeToString((user + ":" + user).getBytes(StandardCharsets.UTF_8)))
                .header("Content-Type", "application/json");
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }
}
