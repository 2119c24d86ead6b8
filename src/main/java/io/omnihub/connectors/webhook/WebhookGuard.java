package io.omnihub.connectors.webhook;

import io.omnihub.canonical.ErrorCategory;
import io.omnihub.canonical.HubHeaders;
import io.omnihub.canonical.RejectedMessageException;
import io.omnihub.canonical.Utf8;
import org.apache.camel.Exchange;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.core.env.Environment;
import org.springframework.stereotype.Component;

import java.time.Clock;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The checks every webhook source Kamelet makes before a payload enters a flow: body size, signature over the
 * raw bytes, strict UTF-8, and a JSON object (not empty, an array or null). On success the body is the payload as a String; on failure a
 * {@link RejectedMessageException} says why (401, 413 or 400).
 *
 * <p>The signing secret is taken by reference: the Kamelet names the configuration property that holds it
 * ({@link HubHeaders#PROP_SIGNATURE_SECRET_PROPERTY}, e.g. {@code omnihub.channels.marketplace.webhook-secret}) and
 * the secret is read here from the hub's configuration. Passed as a Kamelet parameter it would travel in the endpoint
 * URI, where a base64 {@code whsec_} secret's {@code +} becomes a space (and {@code %} or {@code &} other damage), and
 * every webhook of that channel would be refused.
 */
@Component("webhookGuard")
public class WebhookGuard {

    public static final String STOREFRONT_HMAC = "storefront-hmac";
    public static final String STANDARD_WEBHOOKS = "standard-webhooks";

    private final Environment environment;
    private final Clock clock;
    /** Secrets by property name: the configuration does not change while the hub runs, and intake is a hot path. */
    private final Map<String, String> secrets = new ConcurrentHashMap<>();

    @Autowired
    public WebhookGuard(Environment environment) {
        this(environment, Clock.systemUTC());
    }

    WebhookGuard(Environment environment, Clock clock) {
        this.environment = environment;
        this.clock = clock;
    }

    public void check(Exchange exchange) {
        long max = exchange.getProperty(HubHeaders.PROP_MAX_BODY_BYTES, 1_048_576L, Long.class);
        Long declared = exchange.getMessage().getHeader(Exchange.CONTENT_LENGTH, Long.class);
        if (declared != null && declared > max) {
            throw new RejectedMessageException(ErrorCategory.TOO_LARGE,
                    "body of " + declared + " bytes is over the limit of " + max + " bytes");
        }
        byte[] body = exchange.getMessage().getBody(byte[].class);
        if (body == null) {
            body = new byte[0];
        }
        if (body.length > max) {
            throw new RejectedMessageException(ErrorCategory.TOO_LARGE,
                    "body of " + body.length + " bytes is over the limit of " + max + " bytes");
        }
        String scheme = exchange.getProperty(HubHeaders.PROP_SIGNATURE_SCHEME, STOREFRONT_HMAC, String.class);
        String secret = secret(exchange.getProperty(HubHeaders.PROP_SIGNATURE_SECRET_PROPERTY, String.class));
        switch (scheme) {
            case STOREFRONT_HMAC -> {
                String headerName = exchange.getProperty(HubHeaders.PROP_SIGNATURE_HEADER, "X-Storefront-Hmac-Sha256", String.class);
                String signature = exchange.getMessage().getHeader(headerName, String.class);
                if (signature == null) {
                    throw new RejectedMessageException(ErrorCategory.UNAUTHENTICATED, "missing signature header " + headerName);
                }
                if (!WebhookSignatures.verifyStorefrontHmac(secret, body, signature)) {
                    throw new RejectedMessageException(ErrorCategory.UNAUTHENTICATED, "signature in " + headerName + " does not match the body");
                }
            }
            case STANDARD_WEBHOOKS -> {
                long tolerance = exchange.getProperty(HubHeaders.PROP_TOLERANCE_SECONDS, 300L, Long.class);
                String reason = WebhookSignatures.verifyStandardWebhooks(secret,
                        exchange.getMessage().getHeader("webhook-id", String.class),
                        exchange.getMessage().getHeader("webhook-timestamp", String.class),
                        exchange.getMessage().getHeader("webhook-signature", String.class),
                        body, tolerance, clock.instant());
                if (reason != null) {
                    throw new RejectedMessageException(ErrorCategory.UNAUTHENTICATED, reason);
                }
            }
            default -> throw new IllegalStateException("unknown signature scheme " + scheme);
        }
        String text = Utf8.decode(body);
        requireJsonObject(text);
        exchange.getMessage().setBody(text);
    }

    /** The secret held by configuration property {@code name}, exactly as configured. */
    private String secret(String name) {
        if (name == null || name.isBlank()) {
            throw new IllegalStateException("webhook source names no property holding its signing secret");
        }
        String cached = secrets.get(name);
        if (cached != null) {
            return cached;
        }
        String secret = environment.getProperty(name);
        if (secret == null || secret.isBlank()) {
            throw new IllegalStateException("webhook source has no secret configured: property " + name + " is not set");
        }
        secrets.put(name, secret);
        return secret;
    }

    /**
     * Every webhook payload is one JSON object: an empty body, an array or {@code null} is refused as such, before a
     * mapping would turn it into a half-empty order and the caller read a list of missing fields.
     */
    static void requireJsonObject(String text) {
        int i = 0;
        while (i < text.length() && (Character.isWhitespace(text.charAt(i)) || text.charAt(i) == '\uFEFF')) {
            i++;
        }
        if (i == text.length()) {
            throw new RejectedMessageException(ErrorCategory.INVALID, "body is empty: a JSON object was expected");
        }
        char first = text.charAt(i);
        if (first == '{') {
            return;
        }
        String kind = first == '[' ? "a JSON array" : text.startsWith("null", i) ? "JSON null" : "not a JSON object";
        throw new RejectedMessageException(ErrorCategory.INVALID, "body is " + kind + ": a JSON object was expected");
    }
}
