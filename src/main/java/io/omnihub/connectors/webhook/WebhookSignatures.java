package io.omnihub.connectors.webhook;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.Base64;

/**
 * Webhook signatures, computed and checked in constant time.
 * <ul>
 *   <li>storefront HMAC: base64(HMAC-SHA256(secret, raw body)) in a header, as storefront platforms send it;</li>
 *   <li>Standard Webhooks: {@code webhook-signature: v1,<base64 HMAC-SHA256(key, id.timestamp.body)>}, the key being
 *   the base64 part of a {@code whsec_} secret (or the secret's bytes when it has no such prefix), with a
 *   timestamp tolerance against replays.</li>
 * </ul>
 */
public final class WebhookSignatures {

    private WebhookSignatures() {
    }

    public static String storefrontHmac(String secret, byte[] body) {
        return Base64.getEncoder().encodeToString(hmac(secret.getBytes(StandardCharsets.UTF_8), body));
    }

    public static boolean verifyStorefrontHmac(String secret, byte[] body, String header) {
        if (header == null || header.isBlank()) {
            return false;
        }
        return MessageDigest.isEqual(storefrontHmac(secret, body).getBytes(StandardCharsets.US_ASCII),
                header.trim().getBytes(StandardCharsets.US_ASCII));
    }

    /** The {@code v1,...} signature of a Standard Webhooks message. */
    public static String standardWebhooks(String secret, String id, long timestamp, byte[] body) {
        return new StandardWebhooksSigner(secret).sign(id, timestamp, body);
    }

    /**
     * Signs Standard Webhooks messages with one secret, its key decoded and the HMAC initialised once: each
     * signature then only copies the initialised HMAC (a sender that signs thousands of messages a second with the
     * same secret would otherwise decode the key and set up the HMAC for every one). Thread-safe.
     */
    public static final class StandardWebhooksSigner {

        private final Mac initialised;

        public StandardWebhooksSigner(String secret) {
            try {
                Mac mac = Mac.getInstance("HmacSHA256");
                mac.init(new SecretKeySpec(standardWebhooksKey(secret), "HmacSHA256"));
                this.initialised = mac;
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException(e);
            }
        }

        /** The {@code v1,...} signature of {@code id.timestamp.body}. */
        public String sign(String id, long timestamp, byte[] body) {
            Mac mac;
            try {
                mac = (Mac) initialised.clone();
            } catch (CloneNotSupportedException e) {
                throw new IllegalStateException("the HmacSHA256 provider cannot copy an initialised HMAC", e);
            }
            mac.update((id + "." + timestamp + ".").getBytes(StandardCharsets.UTF_8));
            return "v1," + Base64.getEncoder().encodeToString(mac.doFinal(body));
        }
    }

    /**
     * Checks a Standard Webhooks signature header, which may carry several space-separated signatures. Returns
     * null when valid, else the reason.
     */
    public static String verifyStandardWebhooks(String secret, String id, String timestamp, String signatureHeader,
                                                byte[] body, long toleranceSeconds, Instant now) {
        if (id == null || timestamp == null || signatureHeader == null) {
            return "missing webhook-id, webhook-timestamp or webhook-signature header";
        }
        long ts;
        try {
            ts = Long.parseLong(timestamp.trim());
        } catch (NumberFormatException e) {
            return "webhook-timestamp is not a number of seconds";
        }
        if (Math.abs(now.getEpochSecond() - ts) > toleranceSeconds) {
            return "webhook-timestamp is outside the tolerance of " + toleranceSeconds + " seconds";
        }
        byte[] expected = standardWebhooks(secret, id, ts, body).getBytes(StandardCharsets.US_ASCII);
        boolean match = false;
        for (String candidate : signatureHeader.trim().split(" ")) {
            // compare every candidate, so the time taken does not tell which one matched
            match |= MessageDigest.isEqual(expected, candidate.getBytes(StandardCharsets.US_ASCII));
        }
        return match ? null : "webhook-signature does not match";
    }

    private static byte[] standardWebhooksKey(String secret) {
        if (secret.startsWith("whsec_")) {
            return Base64.getDecoder().decode(secret.substring("whsec_".length()));
        }
        return secret.getBytes(StandardCharsets.UTF_8);
    }

    /** One Mac per thread: looking the algorithm up in the security providers costs more than the signature. */
    private static final ThreadLocal<Mac> HMAC_SHA256 = ThreadLocal.withInitial(() -> {
        try {
            return Mac.getInstance("HmacSHA256");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    });

    private static byte[] hmac(byte[] key, byte[] data) {
        try {
            Mac mac = HMAC_SHA256.get();
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
