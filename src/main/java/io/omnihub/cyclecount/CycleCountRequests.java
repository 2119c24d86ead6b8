package io.omnihub.cyclecount;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.omnihub.canonical.HubHeaders;
import io.omnihub.deadletter.DeadLetters;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangeProperty;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.support.DefaultExchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The cycle counts' pass (route {@code cycle-counts}, every {@code omnihub.cycle-counts.poll-interval-ms}): matches
 * open counts with the SNAPSHOTs that came back, asks for a count of every row the ledger flagged, starts the
 * scheduled counts when they are due, and sends what is asked for to each node through its sink: one request per
 * node and pass, listing every sku to count, through route {@code cycle-count-request-one} (retried with backoff,
 * then a dead letter an operator replays from the console; the count is FAILED meanwhile).
 */
@Component("cycleCountRequests")
public class CycleCountRequests {

    private static final Logger log = LoggerFactory.getLogger(CycleCountRequests.class);
    static final String ROUTE = "direct:cycle-count-request-one";
    private static final int CLAIM = 500;

    private final CycleCounts counts;
    private final CycleCountProperties props;
    private final CycleCountMetrics metrics;
    private final CamelContext camel;
    private final ProducerTemplate producer;
    private final ObjectMapper mapper;
    private volatile long nextSchedule;
    private volatile boolean accuracyShown;

    public CycleCountRequests(CycleCounts counts, CycleCountProperties props, CycleCountMetrics metrics, CamelContext camel,
                              ProducerTemplate producer, ObjectMapper mapper) {
        this.counts = counts;
        this.props = props;
        this.metrics = metrics;
        this.camel = camel;
        this.producer = producer;
        this.mapper = mapper;
        this.nextSchedule = System.currentTimeMillis() + props.scheduleInterval().toMillis();
    }

    /** One pass; a failure leaves everything where it was for the next. */
    public void pass() {
        List<CycleCounts.Counted> matched = counts.match();
        matched.forEach(c -> log.info("Cycle count {} of {} at {}: variance {} ({})", c.id(), c.sku(), c.nodeId(),
                c.variance(), c.withinTolerance() ? "within tolerance" : "outside tolerance"));
        if (!matched.isEmpty()) {
            metrics.counted(matched);
        } else if (!accuracyShown) {
            metrics.refresh();
        }
        accuracyShown = true;
        counts.requestFlagged();
        if (!props.scheduleInterval().isZero() && System.currentTimeMillis() >= nextSchedule) {
            nextSchedule = System.currentTimeMillis() + props.scheduleInterval().toMillis();
            int asked = counts.scheduled(null);
            if (asked > 0) {
                log.info("Scheduled cycle counts: {} asked for", asked);
            }
        }
        Map<String, List<CycleCounts.Claimed>> byNode = new TreeMap<>();
        counts.claim(CLAIM).forEach(c -> byNode.computeIfAbsent(c.nodeId(), n -> new ArrayList<>()).add(c));
        byNode.forEach(this::send);
    }

    /** Sends one node's counts in one request and records how it went. */
    private void send(String nodeId, List<CycleCounts.Claimed> claimed) {
        List<Long> ids = claimed.stream().map(CycleCounts.Claimed::id).toList();
        Map<String, Object> request = new LinkedHashMap<>();
        request.put("type", "CYCLE_COUNT");
        request.put("requestId", "count-" + nodeId + "-" + ids.get(0));
        request.put("nodeId", nodeId);
        request.put("sink", claimed.get(0).sink());
        request.put("countIds", ids);
        request.put("counts", claimed.stream().map(c -> {
            Map<String, Object> line = new LinkedHashMap<>();
            line.put("countId", c.id());
            line.put("sku", c.sku());
            line.put("trigger", c.trigger().name());
            line.put("reason", c.reason());
            return line;
        }).toList());
        request.put("reply", "count each sku and send its figure as a SNAPSHOT stock event (the node's stock feed)");
        request.put("requestedAt", Instant.now());
        Exchange exchange = new DefaultExchange(camel);
        exchange.getMessage().setBody(json(request));
        try {
            producer.send(ROUTE, exchange);
        } catch (RuntimeException e) {
            exchange.setException(e);
        }
        Object deadLetter = exchange.getMessage().getHeader(HubHeaders.DEAD_LETTER_ID);
        if (deadLetter != null) {
            counts.failed(ids, Long.parseLong(deadLetter.toString()));
        } else if (exchange.getException() != null) {
            // not sent and not kept (the hub's database is away): asked for again at a later pass
            log.warn("Cycle-count request to {} not sent, tried again later: {}", nodeId, exchange.getException().toString());
            counts.unclaimed(ids);
        }
    }

    /** The last step of route cycle-count-request-one: the node's sink took the request. */
    public void sent(@ExchangeProperty("countIds") List<? extends Number> countIds, @ExchangeProperty("sentTo") String sentTo) {
        counts.sent(countIds.stream().map(Number::longValue).toList(), sentTo);
    }

    private String json(Object value) {
        try {
            return mapper.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
