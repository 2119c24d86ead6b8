package io.omnihub.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * The measurement behind both sync latency benchmarks (in-JVM {@link SyncLatencyBenchmark} and the harness's
 * {@link SyncLatencyFigure}): stock events go to Kafka at a fixed rate, every figure a channel receives is
 * recorded with its arrival time, and each event's latency is the time until the LAST of the channels received a
 * figure that reflects it.
 * <p>
 * Every event is a -1 ADJUSTMENT at WH-NJ1 on one of the run's skus, each starting at {@link #START} units with no
 * buffers on the channels, so a figure tells exactly how many of the sku's events it reflects. A figure superseded
 * by a newer one is never sent; the events it would have carried count until the newer figure arrives (that is the
 * latency a channel sees). An event that never reached every channel is in the percentiles as {@link #NEVER}, so
 * losing events cannot make a figure look better.
 */
final class SyncLatencyProbe {

    static final int START = 1_000_000;
    private static final ObjectMapper MAPPER = new ObjectMapper();

    /** channel|sku -> arrivals (nanoTime, figure), in arrival order. */
    private final Map<String, ConcurrentLinkedQueue<long[]>> arrivals = new ConcurrentHashMap<>();

    /** One rate's outcome. */
    record Result(int rate, double achieved, long p50, long p99, long max, int measured, int events, boolean complete) {

        String line(int channels) {
            return String.format(Locale.ROOT, "  %5d ev/s (achieved %6.0f): stock event -> last of %d channel callbacks  p50 %s  p99 %s  max %s  (%d/%d events reached every channel%s)",
                    rate, achieved, channels, shown(p50), shown(p99), shown(max), measured, events, complete ? "" : ", INCOMPLETE");
        }
    }

    /** Records a request body a channel stub received, if it carries a figure (a webhook's data, or the figure itself). */
    void received(String body, long nanoTime) {
        try {
            JsonNode json = MAPPER.readTree(body);
            JsonNode ats = json.has("data") ? json.get("data") : json;
            if (ats.has("available") && ats.has("channel") && ats.has("sku")) {
                arrivals.computeIfAbsent(ats.get("channel").asText() + "|" + ats.get("sku").asText(),
                        k -> new ConcurrentLinkedQueue<>()).add(new long[] {nanoTime, ats.get("available").asLong()});
            }
        } catch (Exception notAFigure) {
            // an order status or anything else: not measured
        }
    }

    void clear() {
        arrivals.clear();
    }

    /**
     * Warms the skus up (one event each, until every channel has its first figure), then sends {@code rate} events
     * per second for {@code seconds}, round robin over the skus, and waits up to {@code drain} for every channel to
     * catch up.
     */
    Result run(KafkaProducer<String, String> producer, String topic, List<String> skus, List<String> channels, int rate,
               int seconds, Duration drain) {
        for (String sku : skus) {
            send(producer, topic, sku);
        }
        await(drain, () -> skus.stream().allMatch(s -> channels.stream().allMatch(c -> lowest(c, s) <= START - 1)));

        int events = rate * seconds;
        long[] sentAt = new long[events];
        int[] skuOf = new int[events];
        int[] countOnSku = new int[skus.size()];
        int[] targetFigure = new int[events];
        long start = System.nanoTime();
        long interval = 1_000_000_000L / rate;
        for (int i = 0; i < events; i++) {
            long wait = start + i * interval - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait);
            }
            int s = i % skus.size();
            skuOf[i] = s;
            countOnSku[s]++;
            // one warm-up event, then this one and the ones before it on the sku
            targetFigure[i] = START - 1 - countOnSku[s];
            sentAt[i] = System.nanoTime();
            send(producer, topic, skus.get(s));
        }
        double achieved = events / ((System.nanoTime() - start) / 1e9);
        boolean complete = await(drain, () -> {
            for (int s = 0; s < skus.size(); s++) {
                for (String c : channels) {
                    if (lowest(c, skus.get(s)) > START - 1 - countOnSku[s]) {
                        return false;
                    }
                }
            }
            return true;
        });
        long[] latency = new long[events];
        int measured = 0;
        for (int i = 0; i < events; i++) {
            long last = 0;
            boolean all = true;
            for (String c : channels) {
                long at = firstAtOrBelow(c, skus.get(skuOf[i]), targetFigure[i]);
                if (at == 0) {
                    all = false;
                    break;
                }
                last = Math.max(last, at);
            }
            // an event that never reached every channel is not left out: it counts as the slowest of all (NEVER)
            latency[i] = all ? Math.max(0, last - sentAt[i]) : NEVER;
            if (all) {
                measured++;
            }
        }
        Arrays.sort(latency);
        return new Result(rate, achieved, pct(latency, 0.50), pct(latency, 0.99), events == 0 ? 0 : latency[events - 1],
                measured, events, complete);
    }

    /** The latency of an event that never reached every channel: the percentiles that fall on it say "never". */
    static final long NEVER = Long.MAX_VALUE;

    /** A latency in ms as the figures print it, or "never". */
    static String shown(long nanos) {
        return nanos == NEVER ? "never" : String.format(Locale.ROOT, "%,.0f ms", ms(nanos));
    }

    /**
     * Where the time went for {@code skus}, from the database's own clocks (p50/p99 in ms): event sent (the reason
     * carries the send time) to its ledger entry (the stock-events transaction), oldest change to its delivery row
     * (zero or below when the stock change's own transaction enqueued it, as it does now; a sync pass otherwise),
     * delivery row to DELIVERED (the channel's pump and the HTTP call). Transaction timestamps are their start times,
     * so each stage is a lower bound of its share.
     */
    static String stages(Connection c, List<String> skus) throws SQLException {
        try (PreparedStatement q = c.prepareStatement("""
                with l as (
                    select l.at, to_timestamp(cast(split_part(l.reason, ':', 2) as double precision) / 1000) as sent
                    from ledger_entry l where l.sku = any(?) and l.reason like 'bench:%'),
                d as (select created_at, event_at, delivered_at from delivery where ordering_key = any(?) and kind = 'ATS'
                      and status = 'DELIVERED' and event_at is not null)
                select
                  (select percentile_cont(0.5) within group (order by extract(epoch from at - sent) * 1000) from l),
                  (select percentile_cont(0.99) within group (order by extract(epoch from at - sent) * 1000) from l),
                  (select percentile_cont(0.5) within group (order by extract(epoch from created_at - event_at) * 1000) from d),
                  (select percentile_cont(0.99) within group (order by extract(epoch from created_at - event_at) * 1000) from d),
                  (select percentile_cont(0.5) within group (order by extract(epoch from delivered_at - created_at) * 1000) from d),
                  (select percentile_cont(0.99) within group (order by extract(epoch from delivered_at - created_at) * 1000) from d),
                  (select count(*) from d)""")) {
            Array array = c.createArrayOf("text", skus.toArray());
            q.setArray(1, array);
            q.setArray(2, array);
            try (ResultSet r = q.executeQuery()) {
                r.next();
                return String.format(Locale.ROOT, "stages (ms, p50/p99): event->ledger %.0f/%.0f  change->delivery row (same transaction: <= 0) %.0f/%.0f  "
                                + "row->delivered %.0f/%.0f  (%d deliveries)", r.getDouble(1), r.getDouble(2), r.getDouble(3),
                        r.getDouble(4), r.getDouble(5), r.getDouble(6), r.getLong(7));
            }
        }
    }

    static void send(KafkaProducer<String, String> producer, String topic, String sku) {
        String json = "{\"eventId\":\"" + UUID.randomUUID() + "\",\"type\":\"ADJUSTMENT\",\"nodeId\":\"WH-NJ1\",\"sku\":\"" + sku
                + "\",\"quantity\":-1,\"reason\":\"bench:" + System.currentTimeMillis() + "\",\"source\":\"bench\"}";
        producer.send(new ProducerRecord<>(topic, sku, json));
    }

    /** Polls {@code done} every 10 ms until it holds or {@code timeout} passes; whether it held. */
    static boolean await(Duration timeout, BooleanSupplier done) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            LockSupport.parkNanos(10_000_000L);
        }
        return true;
    }

    long lowest(String channel, String sku) {
        ConcurrentLinkedQueue<long[]> q = arrivals.get(channel + "|" + sku);
        long min = Long.MAX_VALUE;
        if (q != null) {
            for (long[] a : q) {
                min = Math.min(min, a[1]);
            }
        }
        return min;
    }

    /** When the channel first received a figure at or below {@code figure} for the sku (0 = never). */
    long firstAtOrBelow(String channel, String sku, long figure) {
        ConcurrentLinkedQueue<long[]> q = arrivals.get(channel + "|" + sku);
        if (q == null) {
            return 0;
        }
        for (long[] a : q) {
            if (a[1] <= figure) {
                return a[0];
            }
        }
        return 0;
    }

    static long pct(long[] sorted, double p) {
        if (sorted.length == 0) {
            return 0;
        }
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p * sorted.length) - 1)];
    }

    static double ms(long nanos) {
        return nanos / 1e6;
    }
}
