package io.omnihub.connectors.webhook;

import io.omnihub.support.HubIntegrationTest;
import io.omnihub.support.Signed;
import org.apache.camel.CamelContext;
import org.apache.camel.support.PluginHelper;
import org.apache.camel.support.ResourceHelper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An inbound Standard Webhooks channel whose secret holds + and / accepts what the channel signs with that secret:
 * webhook-order-source reads the secret from configuration by the property's name, so it never passes through an
 * endpoint URI (where + became a space and every webhook was refused). The probe route is a YAML route as a platform
 * team writes it, loaded into the running hub; the secret is the test profile's web callback secret.
 */
class WebhookSigningSecretIT extends HubIntegrationTest {

    static final String ROUTE = "signing-secret-probe";

    @Autowired
    CamelContext camel;

    @Value("${omnihub.channels.web.sink.secret}")
    String secret;

    @AfterEach
    void removeProbe() throws Exception {
        if (camel.getRoute(ROUTE) != null) {
            camel.getRouteController().stopRoute(ROUTE);
            camel.removeRoute(ROUTE);
        }
    }

    @Test
    void aChannelWhoseSecretHoldsPlusAndSlashIsAcceptedWhenSignedWithItAndRefusedOtherwise() throws Exception {
        assertThat(secret).as("the test profile's secret is the kind that broke").contains("+", "/");
        PluginHelper.getRoutesLoader(camel).loadRoutes(ResourceHelper.fromString("signing-secret-probe.yaml", """
                - route:
                    id: %s
                    description: Probe of a Standard Webhooks source whose secret holds + and /
                    from:
                      uri: kamelet:webhook-order-source
                      parameters:
                        channel: signing-probe
                        signingKeyProperty: omnihub.channels.web.sink.secret
                        signatureScheme: standard-webhooks
                      steps:
                        - setBody:
                            constant: accepted
                """.formatted(ROUTE)));
        String body = "{\"order\": \"P-1\", \"note\": \"+/ and ' \"}";

        HttpResponse<String> signed = post(body, sign(secret, "msg_probe", Instant.now().getEpochSecond(), body));
        assertThat(signed.statusCode()).as(signed.body()).isEqualTo(200);
        assertThat(signed.body()).isEqualTo("accepted");

        String another = "whsec_" + Base64.getEncoder().encodeToString("another secret".getBytes(StandardCharsets.UTF_8));
        assertThat(post(body, sign(another, "msg_probe", Instant.now().getEpochSecond(), body)).statusCode())
                .as("another secret is refused").isEqualTo(401);
    }

    HttpResponse<String> post(String body, String[] headers) {
        return Signed.post(HttpRequest.newBuilder(URI.create(baseUrl() + "/webhooks/signing-probe/orders"))
                .header("Content-Type", "application/json").headers(headers)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build());
    }

    /** Standard Webhooks headers computed here, independently of the hub: HMAC-SHA256 keyed with the base64 after whsec_. */
    static String[] sign(String secret, String id, long timestamp, String body) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(Base64.getDecoder().decode(secret.substring("whsec_".length())), "HmacSHA256"));
        String signature = Base64.getEncoder().encodeToString(
                mac.doFinal((id + "." + timestamp + "." + body).getBytes(StandardCharsets.UTF_8)));
        return new String[] {"webhook-id", id, "webhook-timestamp", Long.toString(timestamp), "webhook-signature", "v1," + signature};
    }
}
