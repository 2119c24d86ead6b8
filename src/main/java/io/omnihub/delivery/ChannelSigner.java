package io.omnihub.delivery;

import io.omnihub.connectors.WebhookSignatures;
import org.apache.camel.Exchange;
import org.springframework.stereotype.Component;

import java.nio.charset.StandardCharsets;

/**
 * Signs an outbound webhook per Standard Webhooks: {@code webhook-id} (the delivery id, the same on every retry),
 * {@code webhook-timestamp} (seconds, now) and {@code webhook-signature: v1,<base64 HMAC-SHA256 of id.timestamp.body>}.
 * Used by the channel-webhook-sink Kamelet.
 */
@Component("channelSigner")
public class ChannelSigner {

    public void sign(Exchange exchange, String secret) {
        var m = exchange.getMessage();
        String id = m.getHeader(DeliveryHeaders.ID, String.class);
        if (id == null) {
            id = "msg_" + exchange.getExchangeId();
        }
        long timestamp = System.currentTimeMillis() / 1000;
        byte[] body = m.getBody(String.class).getBytes(StandardCharsets.UTF_8);
        m.setHeader("webhook-id", id);
        m.setHeader("webhook-timestamp", Long.toString(timestamp));
        m.setHeader("webhook-signature", WebhookSignatures.standardWebhooks(secret, id, timestamp, body));
        m.setBody(body);
    }
}
