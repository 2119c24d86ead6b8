package io.omnihub.delivery;

import io.omnihub.connectors.WebhookSignatures;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.springframework.stereotype.Component;

import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;

/**
 * The channel-webhook-sink Kamelet's two steps. {@link #envelope} wraps the hub message in the Standard Webhooks
 * envelope {@code {"type", "timestamp", "data"}}; {@link #sign} signs it per Standard Webhooks: {@code webhook-id}
 * (the delivery id, the same on every retry), {@code webhook-timestamp} (seconds, now) and
 * {@code webhook-signature: v1,<base64 HMAC-SHA256 of id.timestamp.body>}, and leaves exactly those headers and
 * Content-Type on the message, so nothing internal to the hub reaches the channel as an HTTP header.
 */
@Component("channelSigner")
public class ChannelSigner {

    private static final DateTimeFormatter TIMESTAMP = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSXXX");

    /** The body becomes {@code {"type": <OmnihubEventType header>, "timestamp": <now>, "data": <body>}}. */
    public void envelope(Exchange exchange) {
        Message m = exchange.getMessage();
        String type = m.getHeader(DeliveryHeaders.EVENT_TYPE, String.class);
        String now = OffsetDateTime.now(ZoneOffset.UTC).truncatedTo(ChronoUnit.MILLIS).format(TIMESTAMP);
        m.setBody("{\"type\":\"" + (type == null ? "" : type.replace("\\", "\\\\").replace("\"", "\\\""))
                + "\",\"timestamp\":\"" + now + "\",\"data\":" + m.getBody(String.class) + "}");
    }

    public void sign(Exchange exchange, String secret) {
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
        m.setHeader("webhook-signature", WebhookSignatures.standardWebhooks(secret, id, timestamp, body));
        m.setBody(body);
    }
}
