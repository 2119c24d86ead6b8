package io.omnihub.delivery;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.env.EnvironmentPostProcessor;
import org.springframework.core.Ordered;
import org.springframework.core.env.ConfigurableEnvironment;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;

/**
 * One WireMock server for the whole test JVM playing the sales channels (web callbacks under /web, the marketplace
 * API under /marketplace). It starts on a free port before the shared Spring context (this class is also an
 * EnvironmentPostProcessor registered in the test spring.factories) and publishes the port as the system property
 * {@code test.channel-stub.port}, which application-test.yaml uses for the channel URLs. By default every channel
 * call is answered 200; tests add higher-priority stubs for the failures they need and remove them.
 */
public final class ChannelStubs implements EnvironmentPostProcessor, Ordered {

    public static final String PORT_PROPERTY = "test.channel-stub.port";

    private static WireMockServer server;

    /** The running stub (started on first use). */
    public static synchronized WireMockServer server() {
        if (server == null) {
            server = new WireMockServer(WireMockConfiguration.options().dynamicPort().containerThreads(40)
                    // its own (empty) file root: src/test/resources/mappings holds the hub's JSONata samples
                    .usingFilesUnderDirectory(emptyDirectory())
                    .jettyAcceptors(2).asynchronousResponseEnabled(false)
                    // the marketplace keeps the figures it accepts and serves them back (reconciliation's read-back)
                    .extensions(new MarketplaceInventory()));
            server.start();
            System.setProperty(PORT_PROPERTY, Integer.toString(server.port()));
            defaults();
            Runtime.getRuntime().addShutdownHook(new Thread(server::stop));
        }
        return server;
    }

    private static String emptyDirectory() {
        try {
            java.nio.file.Path root = java.nio.file.Files.createTempDirectory("channel-stubs-");
            java.nio.file.Files.createDirectories(root.resolve("mappings"));
            java.nio.file.Files.createDirectories(root.resolve("__files"));
            return root.toString();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Resets to the default answers: every channel call 200. */
    public static void defaults() {
        server.stubFor(any(urlPathMatching("/(web|marketplace)/.*")).atPriority(10)
                .willReturn(aResponse().withStatus(200).withBody("{\"ok\":true}")));
    }

    @Override
    public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
        server();
    }

    @Override
    public int getOrder() {
        return Ordered.HIGHEST_PRECEDENCE;
    }
}
