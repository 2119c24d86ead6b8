package io.omnihub.delivery;

import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.omnihub.support.HubIntegrationTest;
import io.omnihub.support.TestData;
import io.omnihub.sync.SyncTestSupport;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.UUID;

import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Channel callbacks are signed with the secret exactly as configured, whatever characters it holds: a base64
 * {@code whsec_} secret with {@code +} and {@code /} (the test profile's web channel secret) and a plain-text secret
 * with a quote. Each signature is checked with an HMAC computed here from the Standard Webhooks rules, not with the
 * hub's own verifier, so a mangled secret on both sides cannot pass unnoticed.
 */
class CallbackSigningIT extends HubIntegrationTest {

    @Value("${omnihub.channels.web.sink.secret}")
    String webSecret;

    @Autowired
    ProducerTemplate producer;

    @Test
    void aWebChannelWhoseSecretHoldsPlusAndSlashGetsCallbacksSignedWithThatSecret() {
        assertThat(webSecret).as("the test profile's web secret is the kind that broke signing").contains("+", "/");
        String sku = TestData.sku(jdbc, "WH-NJ1", 7);

        SyncTestSupport.stockEvent(kafkaBrokers, "RECEIPT", "WH-NJ1", sku, 2, null);

        await().atMost(Duration.ofSeconds(30)).until(() -> !SyncTestSupport.webFigures(sku).isEmpty());
        List<LoggedRequest> callbacks = SyncTestSupport.webFigures(sku);
        assertThat(callbacks).allSatisfy(callback -> assertSignedWith(webSecret, callback));
    }

    @Test
    void aPlainTextSecretWithAQuotePlusSlashAndPercentSignsWithExactlyThoseCharacters() {
        String secret = "it's a plain+text/secret, 100% \"ours\"";
        String path = "/web/callbacks/signing-" + UUID.randomUUID();
        Exchange sent = producer.send("kamelet:channel-webhook-sink?url=RAW(http://localhost:" + ChannelStubs.server().port()
                + path + ")", exchange -> {
                    exchange.setProperty(DeliveryHeaders.SIGNING_SECRET, secret);
                    exchange.getMessage().setHeader(DeliveryHeaders.ID, "dlv_signing-test");
                    exchange.getMessage().setHeader(DeliveryHeaders.EVENT_TYPE, "inventory.available");
                    exchange.getMessage().setBody("{\"sku\":\"SIGNING\",\"available\":1}");
                });

        assertThat(sent.getException()).isNull();
        List<LoggedRequest> received = ChannelStubs.server().findAll(postRequestedFor(urlEqualTo(path)));
        assertThat(received).hasSize(1);
        assertSignedWith(secret, received.get(0));
        assertThat(received.get(0).getHeader("webhook-id")).isEqualTo("dlv_signing-test");
    }

    /** Standard Webhooks: v1,base64(HMAC-SHA256(key, id + "." + timestamp + "." + body)), key = base64 after whsec_. */
    static void assertSignedWith(String secret, LoggedRequest callback) {
        byte[] key = secret.startsWith("whsec_") ? Base64.getDecoder().decode(secret.substring("whsec_".length()))
                : secret.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream signed = new ByteArrayOutputStream();
        signed.writeBytes((callback.getHeader("webhook-id") + "." + callback.getHeader("webhook-timestamp") + ".")
                .getBytes(StandardCharsets.UTF_8));
        signed.writeBytes(callback.getBody());
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            assertThat(callback.getHeader("webhook-signature"))
                    .isEqualTo("v1," + Base64.getEncoder().encodeToString(mac.doFinal(signed.toByteArray())));
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
