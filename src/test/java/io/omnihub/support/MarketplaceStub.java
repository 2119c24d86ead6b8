package io.omnihub.support;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;

/**
 * The marketplace's order API, played by WireMock for the whole test JVM. Started before the shared Spring context
 * (from {@link HubIntegrationTest}), its URL published as the system property {@code omnihub.test.marketplace-url}
 * that application-test.yaml hands to the marketplace-orders route. By default it has no new orders and accepts
 * every acknowledgement; tests add their own stubs at a higher priority and remove them afterwards.
 */
public final class MarketplaceStub {

    public static final String TOKEN = "marketplace-demo-token";
    private static WireMockServer server;

    private MarketplaceStub() {
    }

    public static synchronized WireMockServer server() {
        if (server == null) {
            try {
                // an empty files root: WireMock must not read the mapping samples under src/test/resources as its stubs
                server = new WireMockServer(WireMockConfiguration.options().dynamicPort()
                        .usingFilesUnderDirectory(java.nio.file.Files.createTempDirectory("marketplace-stub").toString()));
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            server.start();
            server.stubFor(get(urlPathEqualTo("/v1/orders")).atPriority(10)
                    .willReturn(aResponse().withHeader("Content-Type", "application/json").withBody("{\"orders\": []}")));
            server.stubFor(post(urlPathMatching("/v1/orders/[^/]+/acknowledge")).atPriority(10)
                    .willReturn(aResponse().withStatus(204)));
            System.setProperty("omnihub.test.marketplace-url", "http://localhost:" + server.port() + "/v1");
            Runtime.getRuntime().addShutdownHook(new Thread(server::stop, "marketplace-stub-stop"));
        }
        return server;
    }
}
