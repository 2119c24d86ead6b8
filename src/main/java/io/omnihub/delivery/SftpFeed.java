package io.omnihub.delivery;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.camel.Exchange;
import org.springframework.stereotype.Component;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;

/**
 * Batches a feed channel's pending figures into one CSV file per interval (the channel-feed route writes it to the
 * SFTP server through the sftp-feed-sink Kamelet): {@link #collect} claims them, {@link #delivered} marks them
 * delivered once the file is written, {@link #failed} schedules them again (or DEAD after the last attempt).
 */
@Component("sftpFeed")
public class SftpFeed {

    /** Exchange property holding the claimed deliveries. */
    public static final String CLAIMED = "omnihub.feed.claimed";

    private static final DateTimeFormatter FILE_TIME = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmssSSS'Z'").withZone(ZoneOffset.UTC);

    private final Deliveries deliveries;
    private final DeliveryProperties props;
    private final DeliveryMetrics metrics;
    private final ObjectMapper mapper;

    public SftpFeed(Deliveries deliveries, DeliveryProperties props, DeliveryMetrics metrics, ObjectMapper mapper) {
        this.deliveries = deliveries;
        this.props = props;
        this.metrics = metrics;
        this.mapper = mapper;
    }

    /** Claims the channel's due figures; the body becomes the CSV (null when nothing is due) and CamelFileName is set. */
    public void collect(Exchange exchange, String channel) throws Exception {
        List<Delivery> claimed = deliveries.claim(channel, 10_000, props.leaseMs());
        exchange.setProperty(CLAIMED, claimed);
        if (claimed.isEmpty()) {
            exchange.getMessage().setBody(null);
            return;
        }
        List<List<String>> rows = new ArrayList<>();
        for (Delivery d : claimed) {
            JsonNode ats = mapper.readTree(d.payload());
            rows.add(List.of(ats.path("sku").asText(), ats.path("available").asText(), ats.path("sequence").asText(),
                    ats.path("asOf").asText()));
        }
        exchange.getMessage().setHeader(Exchange.FILE_NAME, "ats-" + channel + "-" + FILE_TIME.format(Instant.now()) + ".csv");
        exchange.getMessage().setBody(FeedCsv.write(List.of("sku", "available", "sequence", "as_of"), rows));
    }

    @SuppressWarnings("unchecked")
    public void delivered(Exchange exchange) {
        if (DeliveryDispatcher.failureOf(exchange) != null) {
            // the sink's error handling caught the failure: the file was not written
            failed(exchange);
            return;
        }
        List<Delivery> claimed = exchange.getProperty(CLAIMED, List.class);
        deliveries.delivered(claimed.stream().map(Delivery::id).toList());
        for (Delivery d : claimed) {
            metrics.outcome(d.channel(), "delivered");
        }
    }

    @SuppressWarnings("unchecked")
    public void failed(Exchange exchange) {
        List<Delivery> claimed = exchange.getProperty(CLAIMED, List.class);
        Throwable e = DeliveryDispatcher.failureOf(exchange);
        String reason = e == null ? "feed upload failed" : e.toString();
        Backoff backoff = new Backoff(props.baseBackoffMs(), props.maxBackoffMs(), bound -> bound / 2);
        for (Delivery d : claimed == null ? List.<Delivery>of() : claimed) {
            if (d.attempts() >= props.maxAttempts()) {
                deliveries.dead(d.id(), reason);
                metrics.outcome(d.channel(), "dead");
            } else {
                deliveries.retryLater(d, backoff.delayMs(d.attempts()), reason, true);
                metrics.outcome(d.channel(), "retried");
            }
        }
    }
}
