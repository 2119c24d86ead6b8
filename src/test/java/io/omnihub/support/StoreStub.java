package io.omnihub.support;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;

/**
 * One WireMock server playing every store with an HTTP endpoint (sink STORE_HTTP), started once per test JVM
 * before the Spring context (from {@link HubIntegrationTest}); its port is published as the system property
 * {@code omnihub.test.store-stub-port}, which application-test.yaml uses for {@code omnihub.stores.http-base-url}.
 * It accepts every fulfillment request with 202; tests read what it received.
 */
public final class StoreStub {

    public static final String PORT_PROPERTY = "omnihub.test.store-stub-port";

    private static WireMockServer server;

    private StoreStub() {
    }

    public static synchronized WireMockServer start() {
        if (server == null) {
            // its own empty files root: the classpath's mappings/ folder holds JSONata samples, not WireMock stubs
            java.nio.file.Path root;
            try {
                root = java.nio.file.Files.createTempDirectory("store-stub-");
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            server = new WireMockServer(WireMockConfiguration.options().dynamicPort()
                    .usingFilesUnderDirectory(root.toString()));
            server.start();
            server.stubFor(post(urlPathMatching("/stores/[^/]+/(fulfillment-requests|cycle-counts)"))
                    .willReturn(aResponse().withStatus(202).withHeader("Content-Type", "application/json")
                            .withBody("{\"accepted\": true}")));
            System.setProperty(PORT_PROPERTY, String.valueOf(server.port()));
            Runtime.getRuntime().addShutdownHook(new Thread(server::stop));
        }
        return server;
    }

    public static WireMockServer server() {
        return start();
    }
}
