package io.omnihub.sync;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.omnihub.canonical.AvailableToSell;
import io.omnihub.delivery.Deliveries;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Keeps every channel's available-to-sell figure in step with the ledger. Each pass claims pending STOCK_CHANGED
 * outbox rows (SKIP LOCKED, so several hubs share the work), coalesces them by sku, recomputes the figure of every
 * configured channel that sells the sku and, for a figure that changed, records it with the next sequence number
 * and enqueues its delivery (superseding an undelivered older figure), all in one transaction with marking the
 * rows processed.
 * <p>
 * The figure for a channel is the sum over the channel's enabled nodes of max(0, on hand − reserved − safety stock)
 * (the stock row's safety stock, else the node's), after the channel's {@link BufferRules}. The {@code ats_state}
 * row of a channel and sku is locked while its figure is computed, so figures and sequences for one sku are
 * produced in the order of the stock they were read from.
 */
@Component("inventorySync")
public class InventorySync {

    private final NamedParameterJdbcTemplate jdbc;
    private final TransactionTemplate tx;
    private final SyncProperties props;
    private final Deliveries deliveries;
    private final ObjectMapper mapper;

    public InventorySync(NamedParameterJdbcTemplate jdbc, TransactionTemplate tx, SyncProperties props,
                         Deliveries deliveries, ObjectMapper mapper) {
        this.jdbc = jdbc;
        this.tx = tx;
        this.props = props;
        this.deliveries = deliveries;
        this.mapper = mapper;
    }

    /** One pass: processes up to a batch of pending stock changes; returns how many outbox rows it consumed. */
    public int drain() {
        Integer n = tx.execute(status -> {
            List<Object[]> rows = jdbc.query("""
                    select id, msg_key, created_at from outbox
                    where kind = 'STOCK_CHANGED' and processed_at is null
                    order by id limit :batch for update skip locked""",
                    new MapSqlParameterSource("batch", props.batchSize()),
                    (rs, i) -> new Object[] {rs.getLong(1), rs.getString(2), rs.getTimestamp(3)});
            if (rows.isEmpty()) {
                return 0;
            }
            // coalesce: one recomputation per sku, dated by its oldest change not yet reflected
            Map<String, Instant> skus = new TreeMap<>();
            for (Object[] r : rows) {
                Instant at = ((Timestamp) r[2]).toInstant();
                skus.merge((String) r[1], at, (a, b) -> a.isBefore(b) ? a : b);
            }
            skus.forEach(this::recompute);
            jdbc.update("update outbox set processed_at = now() where id in (:ids)",
                    new MapSqlParameterSource("ids", rows.stream().map(r -> r[0]).toList()));
            return rows.size();
        });
        return n == null ? 0 : n;
    }

    /** Drains until nothing is pending (used at start and by tests). */
    public void drainAll() {
        while (drain() > 0) {
            // keep going
        }
    }

    /** The figure for each channel that sells {@code sku} at one of its nodes, before buffers, by channel. */
    public Map<String, Integer> rawAvailable(String sku) {
        Map<String, Integer> result = new TreeMap<>();
        jdbc.query("""
                select cn.channel_id,
                       coalesce(sum(greatest(0, s.on_hand - s.reserved - coalesce(s.safety_stock, n.safety_stock)))
                                filter (where n.enabled), 0) as available
                from channel_node cn
                join node n on n.id = cn.node_id
                join stock s on s.node_id = cn.node_id and s.sku = :sku
                group by cn.channel_id
                order by cn.channel_id""",
                new MapSqlParameterSource("sku", sku),
                rs -> {
                    result.put(rs.getString(1), rs.getInt(2));
                });
        return result;
    }

    private void recompute(String sku, Instant changedAt) {
        for (Map.Entry<String, Integer> e : rawAvailable(sku).entrySet()) {
            SyncProperties.Channel channel = props.channel(e.getKey());
            if (channel == null || channel.type() == null) {
                continue;
            }
            int figure = channel.rulesFor(sku).apply(e.getValue());
            publishIfChanged(e.getKey(), sku, figure, changedAt);
        }
    }

    private void publishIfChanged(String channel, String sku, int figure, Instant changedAt) {
        MapSqlParameterSource p = new MapSqlParameterSource("channel", channel).addValue("sku", sku).addValue("figure", figure);
        jdbc.update("insert into ats_state (channel, sku, available, sequence) values (:channel, :sku, :figure, 0) "
                + "on conflict (channel, sku) do nothing", p);
        Object[] last = jdbc.queryForObject("select available, sequence from ats_state where channel = :channel and sku = :sku for update",
                p, (rs, i) -> new Object[] {rs.getInt(1), rs.getLong(2)});
        long sequence = (Long) last[1];
        if (sequence > 0 && (Integer) last[0] == figure) {
            return;
        }
        long next = sequence + 1;
        jdbc.update("update ats_state set available = :figure, sequence = :seq, updated_at = now() where channel = :channel and sku = :sku",
                p.addValue("seq", next));
        AvailableToSell ats = new AvailableToSell(channel, sku, figure, Instant.now(), next);
        deliveries.enqueueAts(ats, json(ats), changedAt);
    }

    private String json(Object value) {
        try {
            return mapper.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
