package io.omnihub.connectors.webhook;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;

import static org.assertj.core.api.Assertions.assertThat;

class WebhookSignaturesTest {

    private final byte[] body = "{\"id\":1}".getBytes(StandardCharsets.UTF_8);

    @Test
    void storefrontHmacMatchesOnlyTheSignedBody() {
        String sig = WebhookSignatures.storefrontHmac("s3cret", body);
        assertThat(WebhookSignatures.verifyStorefrontHmac("s3cret", body, sig)).isTrue();
        assertThat(WebhookSignatures.verifyStorefrontHmac("other", body, sig)).isFalse();
        assertThat(WebhookSignatures.verifyStorefrontHmac("s3cret", "{\"id\":2}".getBytes(StandardCharsets.UTF_8), sig)).isFalse();
        assertThat(WebhookSignatures.verifyStorefrontHmac("s3cret", body, null)).isFalse();
    }

    @Test
    void standardWebhooksSignatureFollowsTheSpec() {
        // key bytes come from the base64 part of a whsec_ secret; signed content is id.timestamp.body
        String secret = "whsec_" + Base64.getEncoder().encodeToString("0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.UTF_8));
        long ts = 1_700_000_000L;
        String sig = WebhookSignatures.standardWebhooks(secret, "msg_1", ts, body);
        assertThat(sig).startsWith("v1,");
        Instant now = Instant.ofEpochSecond(ts + 10);
        assertThat(WebhookSignatures.verifyStandardWebhooks(secret, "msg_1", Long.toString(ts), sig, body, 300, now)).isNull();
        assertThat(WebhookSignatures.verifyStandardWebhooks(secret, "msg_1", Long.toString(ts), "v1,AAAA " + sig, body, 300, now))
                .as("any of several signatures may match").isNull();
        assertThat(WebhookSignatures.verifyStandardWebhooks(secret, "msg_2", Long.toString(ts), sig, body, 300, now))
                .isEqualTo("webhook-signature does not match");
    }

    @Test
    void standardWebhooksSignatureMatchesTheSpecificationsPublishedExample() {
        // the known answer of the Standard Webhooks specification (github.com/standard-webhooks, its test vector),
        // so signing is checked against someone else's computation and not only against the hub's own verifier;
        // the expected signature holds both + and /
        byte[] payload = "{\"test\": 2432232314}".getBytes(StandardCharsets.UTF_8);
        assertThat(WebhookSignatures.standardWebhooks("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek",
                1614265330L, payload)).isEqualTo("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }

    @Test
    void standardWebhooksRefusesAnOldTimestamp() {
        String sig = WebhookSignatures.standardWebhooks("plain-secret", "msg_1", 1000, body);
        assertThat(WebhookSignatures.verifyStandardWebhooks("plain-secret", "msg_1", "1000", sig, body, 300,
                Instant.ofEpochSecond(1000 + 301))).contains("outside the tolerance");
    }
}
