package io.omnihub.orders;

import io.omnihub.canonical.CanonicalOrder;
import io.omnihub.canonical.CanonicalTopics;
import io.omnihub.canonical.ErrorCategory;
import io.omnihub.canonical.OrderLine;
import io.omnihub.canonical.RejectedMessageException;
import io.omnihub.outbox.KafkaOutboxRelay;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.SmartLifecycle;
import org.springframework.dao.NonTransientDataAccessException;
import org.springframework.jdbc.core.SqlTypeValue;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.jdbc.core.support.AbstractSqlTypeValue;
import org.springframework.stereotype.Component;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Group commit of accepted orders. Requests hand their validated order here and wait (without a thread, see
 * {@link OrderIntake}) for the commit that holds it; one writer thread takes whatever orders are waiting (up to
 * {@code omnihub.intake.batch-max}), writes them with one set-based statement (orders, lines, timeline entries and
 * outbox rows from arrays, {@code on conflict do nothing} for the orders already stored), which commits on its own
 * (one round trip, one WAL flush), and then answers every request of the batch. While it commits, the next batch gathers in the queue, so the batch grows
 * with the load and a quiet hub still answers at once.
 * <ul>
 *   <li>Every answer follows the commit that holds its order: a 202 is durable.</li>
 *   <li>A channel order already stored, or sent twice within one batch, is answered 200 with the first one's id.</li>
 *   <li>The database failing for a batch (connection lost, lock or serialization failure) fails every request of
 *   that batch, and nothing of it is stored (one statement); the callers get 503 and send again.</li>
 *   <li>One order the database refuses (a constraint the schema does not catch) never fails the others: the batch
 *   is written again one order at a time, and only that order fails.</li>
 * </ul>
 * One writer keeps the outbox ids of orders in commit order, which the relay publishes in.
 * <p>
 * This is the one insert into {@code orders}; it stays here rather than in {@link OrderStore} because the whole
 * batch is one statement. Every later read or change of an order goes through {@link OrderStore}.
 */
@Component
public class OrderGroupCommit implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(OrderGroupCommit.class);

    /*
     * The whole batch in one statement: data-modifying CTEs see the same input, and the lines, timeline entries and
     * outbox rows are written only for the orders that were new (the ones "ins" returns). Order of the outbox rows
     * follows the batch order.
     */
    private static final String INSERT_BATCH = """
            with input as (
                select * from unnest(:ids, :channels, :cids, :types, :placedAts, :payloads)
                    with ordinality as t(id, channel, cid, type, placed_at, payload, n)
            ),
            ins as (
                insert into orders (id, channel, channel_order_id, status, fulfillment_type, placed_at, payload)
                select id, channel, cid, 'RECEIVED', type, placed_at, payload::jsonb from input order by n
                on conflict do nothing
                returning id
            ),
            lines as (
                insert into order_line (order_id, line_no, sku, quantity, unit_price)
                select l.order_id, l.line_no, l.sku, l.quantity, l.unit_price
                from unnest(:lineOrders, :lineNos, :lineSkus, :lineQuantities, :linePrices)
                    as l(order_id, line_no, sku, quantity, unit_price)
                join ins on ins.id = l.order_id
            ),
            events as (
                insert into order_event (order_id, kind, detail)
                select i.id, 'RECEIVED', 'from ' || i.channel || ' as ' || i.cid
                from input i join ins on ins.id = i.id
            ),
            announced as (
                insert into outbox (kind, topic, msg_key, payload)
                select 'KAFKA', :topic, i.id, i.payload::jsonb
                from input i join ins on ins.id = i.id order by i.n
            )
            select id from ins""";

    private static final String EXISTING = """
            select o.channel, o.channel_order_id, o.id
            from orders o join unnest(:channels, :cids) as k(channel, cid)
              on o.channel = k.channel and o.channel_order_id = k.cid""";

    private final NamedParameterJdbcTemplate jdbc;
    private final KafkaOutboxRelay relay;
    private final int batchMax;
    private final long lingerNanos;
    private final LinkedBlockingQueue<Pending> queue;
    /* answers are sent from here, so the writer is back at its queue at once after a commit */
    private final ExecutorService answers = Executors.newSingleThreadExecutor(r -> daemon(r, "omnihub-intake-answers"));
    private volatile boolean running;
    private Thread writer;

    public OrderGroupCommit(NamedParameterJdbcTemplate jdbc, KafkaOutboxRelay relay,
                            @Value("${omnihub.intake.batch-max:500}") int batchMax,
                            @Value("${omnihub.intake.batch-linger-micros:0}") long lingerMicros,
                            @Value("${omnihub.intake.queue-capacity:20000}") int queueCapacity) {
        this.jdbc = jdbc;
        this.relay = relay;
        this.batchMax = batchMax;
        this.lingerNanos = TimeUnit.MICROSECONDS.toNanos(lingerMicros);
        this.queue = new LinkedBlockingQueue<>(queueCapacity);
    }

    /** An order waiting for its commit, and the request waiting for the answer. */
    record Pending(CanonicalOrder order, String json, CompletableFuture<IntakeResult> answer) {
        Key key() {
            return new Key(order.channel(), order.channelOrderId());
        }
    }

    record Key(String channel, String channelOrderId) {
    }

    /**
     * Queues {@code order} (already validated, {@code json} its canonical JSON) for the next commit. The future
     * completes after that commit: 202 for a new order, 200 with the first id for one already stored; or with the
     * exception that failed its batch.
     */
    public CompletableFuture<IntakeResult> submit(CanonicalOrder order, String json) {
        CompletableFuture<IntakeResult> answer = new CompletableFuture<>();
        if (!running || !queue.offer(new Pending(order, json, answer))) {
            answer.completeExceptionally(new RejectedMessageException(ErrorCategory.UNAVAILABLE,
                    running ? "the hub is taking more orders than it can store right now, try again" : "the hub is stopping, try again"));
        }
        return answer;
    }

    /** Orders waiting for the writer right now (tests wait on it to know a batch has gathered). */
    public int waiting() {
        return queue.size();
    }

    private void loop() {
        List<Pending> batch = new ArrayList<>(batchMax);
        while (running || !queue.isEmpty()) {
            try {
                Pending first = queue.poll(100, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                batch.add(first);
                queue.drainTo(batch, batchMax - 1);
                if (lingerNanos > 0 && batch.size() < batchMax) {
                    long until = System.nanoTime() + lingerNanos;
                    Pending next;
                    while (batch.size() < batchMax && (next = queue.poll(until - System.nanoTime(), TimeUnit.NANOSECONDS)) != null) {
                        batch.add(next);
                        queue.drainTo(batch, batchMax - batch.size());
                    }
                }
                write(batch);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                fail(batch, new RejectedMessageException(ErrorCategory.UNAVAILABLE, "the hub is stopping, try again"));
                return;
            } catch (RuntimeException | Error e) {
                // write answers every request itself; this is a bug (or out of memory), and nobody may wait for ever
                log.error("intake writer failed", e);
                fail(batch, e);
            } finally {
                batch.clear();
            }
        }
    }

    /** Writes one batch and answers each of its requests. */
    void write(List<Pending> batch) {
        // the first of each channel order leads; a second copy within the batch follows its answer
        Map<Key, List<Pending>> groups = new LinkedHashMap<>();
        for (Pending p : batch) {
            groups.computeIfAbsent(p.key(), k -> new ArrayList<>(1)).add(p);
        }
        List<Pending> leaders = groups.values().stream().map(g -> g.get(0)).toList();
        Map<Key, IntakeResult> results;
        try {
            // no transaction around it: the batch is one statement, atomic on its own, so the database commits it
            // in the same round trip (BEGIN and COMMIT would add one each way to every batch)
            results = store(leaders);
        } catch (NonTransientDataAccessException e) {
            if (leaders.size() > 1) {
                // one order the database refuses must not fail the others: write them one at a time
                log.warn("intake batch of {} refused ({}); writing its orders one at a time", leaders.size(), e.getMessage());
                for (List<Pending> group : groups.values()) {
                    write(group);
                }
                return;
            }
            fail(batch, e);
            return;
        } catch (RuntimeException e) {
            fail(batch, e);
            return;
        }
        relay.publish(0);
        List<Runnable> done = new ArrayList<>(batch.size());
        for (Map.Entry<Key, List<Pending>> g : groups.entrySet()) {
            IntakeResult first = results.get(g.getKey());
            List<Pending> copies = g.getValue();
            for (int i = 0; i < copies.size(); i++) {
                IntakeResult r = i == 0 ? first : new IntakeResult(first.orderId(), true);
                CompletableFuture<IntakeResult> answer = copies.get(i).answer();
                done.add(() -> answer.complete(r));
            }
        }
        answer(done);
    }

    /** Stores the new orders of {@code leaders} with one statement; returns each one's answer. */
    private Map<Key, IntakeResult> store(List<Pending> leaders) {
        int n = leaders.size();
        String[] ids = new String[n];
        String[] channels = new String[n];
        String[] cids = new String[n];
        String[] types = new String[n];
        Timestamp[] placed = new Timestamp[n];
        String[] payloads = new String[n];
        List<String> lineOrders = new ArrayList<>();
        List<Integer> lineNos = new ArrayList<>();
        List<String> lineSkus = new ArrayList<>();
        List<Integer> lineQuantities = new ArrayList<>();
        List<BigDecimal> linePrices = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            CanonicalOrder o = leaders.get(i).order();
            ids[i] = o.orderId();
            channels[i] = o.channel();
            cids[i] = o.channelOrderId();
            types[i] = o.fulfillmentType().name();
            placed[i] = o.placedAt() == null ? null : Timestamp.from(o.placedAt());
            payloads[i] = leaders.get(i).json();
            for (OrderLine l : o.lines()) {
                lineOrders.add(o.orderId());
                lineNos.add(l.lineNo());
                lineSkus.add(l.sku());
                lineQuantities.add(l.quantity());
                linePrices.add(l.unitPrice());
            }
        }
        MapSqlParameterSource p = new MapSqlParameterSource()
                .addValue("ids", array("text", ids))
                .addValue("channels", array("text", channels))
                .addValue("cids", array("text", cids))
                .addValue("types", array("text", types))
                .addValue("placedAts", array("timestamptz", placed))
                .addValue("payloads", array("text", payloads))
                .addValue("lineOrders", array("text", lineOrders.toArray()))
                .addValue("lineNos", array("int4", lineNos.toArray()))
                .addValue("lineSkus", array("text", lineSkus.toArray()))
                .addValue("lineQuantities", array("int4", lineQuantities.toArray()))
                .addValue("linePrices", array("numeric", linePrices.toArray()))
                .addValue("topic", CanonicalTopics.ORDERS);
        Set<String> inserted = new HashSet<>(jdbc.queryForList(INSERT_BATCH, p, String.class));
        Map<Key, IntakeResult> results = new HashMap<>(n * 2);
        List<String> dupChannels = new ArrayList<>();
        List<String> dupCids = new ArrayList<>();
        for (Pending leader : leaders) {
            if (inserted.contains(leader.order().orderId())) {
                results.put(leader.key(), new IntakeResult(leader.order().orderId(), false));
            } else {
                dupChannels.add(leader.order().channel());
                dupCids.add(leader.order().channelOrderId());
            }
        }
        if (!dupChannels.isEmpty()) {
            // stored before (or by a concurrent instance, whose commit "on conflict" waited for): answer its id
            jdbc.query(EXISTING, new MapSqlParameterSource()
                            .addValue("channels", array("text", dupChannels.toArray()))
                            .addValue("cids", array("text", dupCids.toArray())),
                    rs -> {
                        results.put(new Key(rs.getString(1), rs.getString(2)), new IntakeResult(rs.getString(3), true));
                    });
            for (Pending leader : leaders) {
                if (!results.containsKey(leader.key())) {
                    // its id is taken by another channel order: cannot happen while ids derive from (channel, order)
                    throw new IllegalStateException("order " + leader.order().orderId() + " was neither stored nor found");
                }
            }
        }
        return results;
    }

    /** A PostgreSQL array parameter, created on the statement's own connection. */
    private static SqlTypeValue array(String type, Object[] values) {
        return new AbstractSqlTypeValue() {
            @Override
            protected Object createTypeValue(Connection con, int sqlType, String typeName) throws java.sql.SQLException {
                return con.createArrayOf(type, values);
            }
        };
    }

    private void fail(List<Pending> batch, Throwable e) {
        List<Runnable> done = new ArrayList<>(batch.size());
        for (Pending p : batch) {
            CompletableFuture<IntakeResult> answer = p.answer();
            done.add(() -> answer.completeExceptionally(e));
        }
        answer(done);
    }

    private void answer(List<Runnable> done) {
        try {
            answers.execute(() -> done.forEach(Runnable::run));
        } catch (java.util.concurrent.RejectedExecutionException e) {
            done.forEach(Runnable::run);
        }
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    @Override
    public void start() {
        running = true;
        writer = daemon(this::loop, "omnihub-intake-writer");
        writer.start();
    }

    @Override
    public void stop() {
        // stop taking orders, then write what is queued before the database goes
        running = false;
        if (writer != null) {
            try {
                writer.join(TimeUnit.SECONDS.toMillis(30));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        answers.shutdown();
        try {
            answers.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    /**
     * Starts before the web server takes requests and stops after it has finished the requests in flight (its graceful
     * shutdown runs at {@code Integer.MAX_VALUE - 1024}), so every request that reached intake gets its commit.
     */
    @Override
    public int getPhase() {
        return Integer.MAX_VALUE - 4096;
    }
}
