package io.omnihub.delivery;

import io.omnihub.connectors.webhook.WebhookSignatures;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.springframework.stereotype.Component;

import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The channel-webhook-sink Kamelet's two steps. {@link #envelope} wraps the hub message in the Standard Webhooks
 * envelope {@code {"type", "timestamp", "data"}}; {@link #sign} signs it per Standard Webhooks: {@code webhook-id}
 * (the delivery id, the same on every retry), {@code webhook-timestamp} (seconds, now) and
 * {@code webhook-signature: v1,<base64 HMAC-SHA256 of id.timestamp.body>}, and leaves exactly those headers and
 * Content-Type on the message, so nothing internal to the hub reaches the channel as an HTTP header.
 *
 * <p>The signing secret comes by reference: the channel's route sets the exchange property
 * {@link DeliveryHeaders#SIGNING_SECRET} from configuration, and {@link #sign} takes it from there (a property, not a
 * header: it never goes out as an HTTP header nor into a dead letter, which keeps headers).
 * It never travels inside an endpoint URI or an expression: a base64 {@code whsec_} secret holds {@code +} and
 * {@code /} about half the time, and a plain-text one may hold a {@code '}, which URI decoding and the bean method's
 * parameter parsing would turn into a different secret or a broken expression.
 */
@Component("channelSigner")
public class ChannelSigner {

    private static final DateTimeFormatter TIMESTAMP = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSXXX");

    /** Per secret, its key prepared once (secrets come from configuration: a handful, for the life of the hub). */
    private final Map<String, WebhookSignatures.StandardWebhooksSigner> signers = new ConcurrentHashMap<>();

    /** The body becomes {@code {"type": <OmnihubEventType header>, "timestamp": <now>, "data": <body>}}. */
    public void envelope(Exchange exchange) {
        Message m = exchange.getMessage();
        String type = m.getHeader(DeliveryHeaders.EVENT_TYPE, String.class);
        String now = OffsetDateTime.now(ZoneOffset.UTC).truncatedTo(ChronoUnit.MILLIS).format(TIMESTAMP);
        m.setBody("{\"type\":\"" + (type == null ? "" : type.replace("\\", "\\\\").replace("\"", "\\\""))
                + "\",\"timestamp\":\"" + now + "\",\"data\":" + m.getBody(String.class) + "}");
    }

    public void sign(Exchange exchange) {
        Object secretValue = exchange.getProperty(DeliveryHeaders.SIGNING_SECRET);
        if (!(secretValue instanceof String secret) || secret.isEmpty()) {
            throw new IllegalStateException("no signing secret: the channel's route must set the exchange property "
                    + DeliveryHeaders.SIGNING_SECRET + " from configuration before calling channel-webhook-sink");
        }
        Message m = exchange.getMessage();
        String id = m.getHeader(DeliveryHeaders.ID, String.class);
        if (id == null) {
            id = "msg_" + exchange.getExchangeId();
        }
        String contentType = m.getHeader(Exchange.CONTENT_TYPE, String.class);
        long timestamp = System.currentTimeMillis() / 1000;
        byte[] body = m.getBody(String.class).getBytes(StandardCharsets.UTF_8);
        m.getHeaders().clear();
        m.setHeader(Exchange.CONTENT_TYPE, contentType == null ? "application/json" : contentType);
        m.setHeader("webhook-id", id);
        m.setHeader("webhook-timestamp", Long.toString(timestamp));
        m.setHeader("webhook-signature", signers.computeIfAbsent(secret, WebhookSignatures.StandardWebhooksSigner::new)
                .sign(id, timestamp, body));
        m.setBody(body);
    }
}
