package io.omnihub.fulfillment;

import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.stereotype.Component;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * Finds the orders the retry job routes again: unfulfillable orders one of whose skus gained availability since the
 * order's last decision (a ledger entry that adds on hand or releases a reservation, after the order's
 * {@code order_routing.last_ledger_id}), and orders left RECEIVED or REJECTED (after a crash, say).
 * <p>
 * Asking that of every unfulfillable order every two seconds costs what the unfulfillable orders cost: at peak, when
 * thousands wait for stock, it took PostgreSQL 0.2 to 0.8 s a pass. A pass therefore starts from the gains instead: only
 * ledger entries after a mark, their skus, and the unfulfillable orders with a line of those skus. The mark is the
 * highest ledger id a pass at least {@code reread} ago saw, so each pass reads the last {@code reread} of gains again:
 * an entry whose transaction took an id early and committed after a later one is still seen, unless that transaction
 * ran longer than the window (the hub's ledger writers take milliseconds). A full pass (every unfulfillable order)
 * runs at start, while no mark is old enough, and every {@code fullPassEvery}, so an order whose retry failed, or a
 * gain that slipped past the window, waits at most that long. A pass that hit its limit sets no mark: the next one
 * starts where it did.
 */
@Component
public class PendingOrders {

    static final String STUCK = """
            select o.id from orders o where o.status in ('RECEIVED', 'REJECTED')
              and o.updated_at < now() - make_interval(secs => :stuck)""";

    static final String ALL_UNFULFILLABLE = """
            select o.id from orders o join order_routing r on r.order_id = o.id
            where o.status = 'UNFULFILLABLE' and exists (
                select 1 from order_line l join ledger_entry e on e.sku = l.sku
                where l.order_id = o.id and e.id > r.last_ledger_id and (e.on_hand_delta > 0 or e.reserved_delta < 0))
            union
            """ + STUCK + """

            limit :batch""";

    static final String GAINED_SINCE = """
            with gained as (
                select e.sku, max(e.id) as last_gain from ledger_entry e
                where e.id > :since and (e.on_hand_delta > 0 or e.reserved_delta < 0)
                group by e.sku)
            select o.id from gained g
              join order_line l on l.sku = g.sku
              join orders o on o.id = l.order_id and o.status = 'UNFULFILLABLE'
              join order_routing r on r.order_id = o.id and r.last_ledger_id < g.last_gain
            union
            """ + STUCK + """

            limit :batch""";

    private final NamedParameterJdbcTemplate jdbc;
    private final FulfillmentProperties props;
    private final Marks marks;

    public PendingOrders(NamedParameterJdbcTemplate jdbc, FulfillmentProperties props) {
        this.jdbc = jdbc;
        this.props = props;
        this.marks = new Marks(Duration.ofSeconds(props.retryRereadSeconds()), Duration.ofMinutes(props.retryFullPassMinutes()),
                System::nanoTime);
    }

    /** The ids of the orders to route again now, at most {@code omnihub.fulfillment.retry-batch}. */
    public synchronized List<String> find() {
        long at = marks.now();
        long highest = jdbc.getJdbcTemplate().queryForObject("select coalesce(max(id), 0) from ledger_entry", Long.class);
        Long since = marks.since(at);
        MapSqlParameterSource p = new MapSqlParameterSource("batch", props.retryBatch())
                .addValue("stuck", props.stuckAfterSeconds());
        List<String> ids = since == null
                ? jdbc.queryForList(ALL_UNFULFILLABLE, p, String.class)
                : jdbc.queryForList(GAINED_SINCE, p.addValue("since", since), String.class);
        if (ids.size() < props.retryBatch()) {
            marks.passed(at, highest, since == null);
        }
        return ids;
    }

    /**
     * Where the next pass starts: the highest ledger id seen by the newest pass at least {@code reread} old, or none
     * (a full pass) at start, while no pass is that old, and once every {@code fullPassEvery}.
     */
    static final class Marks {

        private record Mark(long at, long ledgerId) {
        }

        private final long rereadNanos;
        private final long fullPassNanos;
        private final LongSupplier clock;
        private final Deque<Mark> seen = new ArrayDeque<>();
        private Long lastFullPass;

        Marks(Duration reread, Duration fullPassEvery, LongSupplier clock) {
            this.rereadNanos = reread.toNanos();
            this.fullPassNanos = fullPassEvery.toNanos();
            this.clock = clock;
        }

        long now() {
            return clock.getAsLong();
        }

        /** The ledger id after which a pass beginning {@code now} reads gains, or null for a full pass. */
        Long since(long now) {
            if (lastFullPass == null || now - lastFullPass >= fullPassNanos) {
                return null;
            }
            Mark old = null;
            // keep only the newest mark old enough, and the younger ones
            while (!seen.isEmpty() && now - seen.peekFirst().at() >= rereadNanos) {
                old = seen.pollFirst();
            }
            if (old == null) {
                return null;
            }
            seen.addFirst(old);
            return old.ledgerId();
        }

        /** A pass that began {@code at}, saw ledger entries up to {@code ledgerId} then and found every candidate. */
        void passed(long at, long ledgerId, boolean full) {
            if (full) {
                lastFullPass = at;
            }
            seen.addLast(new Mark(at, ledgerId));
        }
    }
}
