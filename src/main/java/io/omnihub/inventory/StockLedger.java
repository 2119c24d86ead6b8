package io.omnihub.inventory;

import io.omnihub.outbox.Outbox;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;

import java.util.List;

/**
 * The only writer of the {@code stock} table. Every method changes one node's figure for one sku with a
 * single conditional statement, appends a {@code ledger_entry} and announces the change in the outbox, all
 * in the caller's transaction (each method requires one). Figures never go negative: a reservation that
 * does not fit is refused, a decrement is floored at zero and the shortfall is recorded (the ledger entry holds the
 * change actually made, and the row is flagged for a count with trigger {@link CountTrigger#SHORTFALL}).
 */
@Component
@Transactional(propagation = Propagation.MANDATORY)
public class StockLedger {

    /** Ledger entry kinds. */
    public enum Kind { RESERVE, RELEASE, SHIP, SALE, RECEIPT, ADJUSTMENT, SNAPSHOT, RETURN, DAMAGED, NOT_FOUND }

    /** A node's figures for a sku after a change. */
    public record Figures(int onHand, int reserved) {
    }

    private final NamedParameterJdbcTemplate jdbc;
    private final Outbox outbox;

    public StockLedger(NamedParameterJdbcTemplate jdbc, Outbox outbox) {
        this.jdbc = jdbc;
        this.outbox = outbox;
    }

    /**
     * An opening balance (the demo's seed): a new stock row and its SNAPSHOT ledger entry, with no STOCK_CHANGED
     * (the channels are told by their first sync).
     */
    public void openingBalance(String nodeId, String sku, int onHand, String reason) {
        MapSqlParameterSource p = new MapSqlParameterSource("node", nodeId).addValue("sku", sku).addValue("onHand", onHand)
                .addValue("reason", reason);
        jdbc.update("insert into stock (node_id, sku, on_hand) values (:node, :sku, :onHand)", p);
        jdbc.update("insert into ledger_entry (node_id, sku, kind, on_hand_delta, on_hand_after, reserved_after, reason) "
                + "values (:node, :sku, 'SNAPSHOT', :onHand, :onHand, 0, :reason)", p);
    }

    /**
     * Reserves {@code quantity} when {@code on_hand - reserved - safetyStock >= quantity}, atomically. Returns
     * false, changing nothing, when it does not fit (or the node has no stock row for the sku): the caller
     * moves on to its next candidate.
     */
    public boolean tryReserve(String nodeId, String sku, int quantity, int safetyStock, String reference) {
        requirePositive(quantity);
        List<Figures> after = jdbc.query("""
                update stock set reserved = reserved + :q, updated_at = now()
                where node_id = :node and sku = :sku and on_hand - reserved - :safety >= :q
                returning on_hand, reserved""",
                params(nodeId, sku).addValue("q", quantity).addValue("safety", safetyStock), FIGURES);
        if (after.isEmpty()) {
            return false;
        }
        record(nodeId, sku, Kind.RESERVE, 0, quantity, after.get(0), reference, null);
        return true;
    }

    /** Gives back a reservation's quantity (cancellation, expiry, rejection, re-routing). */
    public Figures release(String nodeId, String sku, int quantity, String reference, String reason) {
        requirePositive(quantity);
        Figures after = one(jdbc.query("""
                update stock set reserved = greatest(reserved - :q, 0), updated_at = now()
                where node_id = :node and sku = :sku returning on_hand, reserved""",
                params(nodeId, sku).addValue("q", quantity), FIGURES), nodeId, sku);
        record(nodeId, sku, Kind.RELEASE, 0, -quantity, after, reference, reason);
        return after;
    }

    /** The node shipped reserved units: they leave on hand and the reservation together. */
    public Figures ship(String nodeId, String sku, int quantity, String reference) {
        requirePositive(quantity);
        Figures after = one(jdbc.query("""
                update stock set on_hand = greatest(on_hand - :q, 0), reserved = greatest(reserved - :q, 0), updated_at = now(),
                    needs_count = needs_count or on_hand < :q,
                    count_trigger = case when on_hand < :q then 'SHORTFALL' else count_trigger end,
                    count_reason = case when on_hand < :q then format('SHIP of %s with %s on hand (%s)', cast(:q as int), on_hand, cast(:ref as text))
                                        else count_reason end
                where node_id = :node and sku = :sku returning on_hand, reserved""",
                params(nodeId, sku).addValue("q", quantity).addValue("ref", reference), FIGURES), nodeId, sku);
        record(nodeId, sku, Kind.SHIP, -quantity, -quantity, after, reference, null);
        return after;
    }

    /**
     * Adds a signed delta to on hand (sale: negative; receipt, return: positive; adjustment: either), floored at
     * zero. Creates the stock row when the node has none for the sku yet. The ledger entry records the change that
     * was made (a sale of 3 from 1 on hand takes 1), so on hand is always the sum of its ledger entries; a delta that
     * would take on hand below zero flags the row for a count (see {@link #applyOnHand}, which this is one change of).
     */
    public Figures adjustOnHand(String nodeId, String sku, int delta, Kind kind, String reference, String reason) {
        if (kind == Kind.SNAPSHOT) {
            throw new IllegalArgumentException("a count sets on hand: setOnHand, not adjustOnHand");
        }
        return applyOnHand(List.of(new OnHandChange(nodeId, sku, kind, delta, reference, reason))).get(List.of(nodeId, sku));
    }

    /**
     * A full count: sets on hand to {@code count}. Reservations in flight are kept (the units they hold are still
     * on the shelf until shipped), and a count clears the node's needs-count flag.
     */
    public Figures setOnHand(String nodeId, String sku, int count, String reference, String reason) {
        return applyOnHand(List.of(new OnHandChange(nodeId, sku, Kind.SNAPSHOT, count, reference, reason)))
                .get(List.of(nodeId, sku));
    }

    /**
     * A change of on hand from a stock event: a signed delta (SALE negative; RECEIPT, RETURN positive; ADJUSTMENT
     * either), or for {@link Kind#SNAPSHOT} a count that replaces on hand.
     */
    public record OnHandChange(String nodeId, String sku, Kind kind, int quantity, String reference, String reason) {
    }

    /**
     * Applies many on-hand changes (stock row, ledger entry with the change actually made and the figures after it;
     * one STOCK_CHANGED per sku; {@link #adjustOnHand} and {@link #setOnHand} are one change of it), with a fixed
     * number of statements whatever their number: the existing rows are locked and read in one statement, the changes
     * are worked out here one after the other (each on the figures the one before left; a node that never held the sku
     * starts at zero), the rows that were missing are inserted with their final figures and the existing ones updated,
     * one statement each, and the ledger entries written with one. (A statement per change, sent as one JDBC batch,
     * had cost PostgreSQL about 0.45 ms a change; inserting a missing row at zero and then updating it wrote every new
     * row twice, the second time with new index entries, which a file of new skus paid for every row.) Changes are
     * applied in node and sku order (the order in which every writer locks stock rows, so this cannot deadlock with a
     * reservation), keeping their given order for one node and sku. A row another transaction created between the
     * read and the insert is locked once that transaction has committed and its changes worked out again on its
     * figures. This is how a consumer applies a poll's worth of stock events without paying a round trip per
     * statement. Returns the figures each (node, sku) row was left with.
     */
    public java.util.Map<List<String>, Figures> applyOnHand(List<OnHandChange> changes) {
        if (changes.isEmpty()) {
            return java.util.Map.of();
        }
        // per row, its changes in their given order; rows in node and sku order
        java.util.Map<List<String>, List<OnHandChange>> byRow = new java.util.TreeMap<>(
                java.util.Comparator.<List<String>, String>comparing(k -> k.get(0)).thenComparing(k -> k.get(1)));
        for (OnHandChange c : changes) {
            if (c.kind() == Kind.SNAPSHOT && c.quantity() < 0) {
                throw new IllegalArgumentException("a count cannot be negative: " + c.quantity());
            }
            byRow.computeIfAbsent(List.of(c.nodeId(), c.sku()), k -> new java.util.ArrayList<>()).add(c);
        }
        java.util.Map<List<String>, OnHandRow> before = lockForChange(byRow.keySet());
        java.util.Map<List<String>, List<OnHandRow>> steps = new java.util.HashMap<>();
        java.util.List<List<String>> missing = new java.util.ArrayList<>();
        for (var row : byRow.entrySet()) {
            OnHandRow start = before.get(row.getKey());
            if (start == null) {
                missing.add(row.getKey());
                start = OnHandRow.NONE;
            }
            steps.put(row.getKey(), apply(start, row.getValue()));
        }
        if (!missing.isEmpty()) {
            java.util.Set<List<String>> inserted = insertRows(missing, steps);
            java.util.List<List<String>> raced = missing.stream().filter(k -> !inserted.contains(k)).toList();
            if (!raced.isEmpty()) {
                // created meanwhile by another transaction, which has committed (the insert waited for it): its figures
                java.util.Map<List<String>, OnHandRow> now = lockForChange(raced);
                for (List<String> key : raced) {
                    OnHandRow start = now.get(key);
                    if (start == null) {
                        throw new IllegalStateException("stock row " + key.get(0) + "/" + key.get(1) + " neither found nor created");
                    }
                    before.put(key, start);
                    steps.put(key, apply(start, byRow.get(key)));
                }
            }
        }
        updateRows(before.keySet(), steps);
        // the ledger entries in node and sku order, each row's in its changes' order
        int n = changes.size();
        String[] nodes = new String[n];
        String[] skus = new String[n];
        String[] kinds = new String[n];
        Integer[] deltas = new Integer[n];
        Integer[] afters = new Integer[n];
        Integer[] reserveds = new Integer[n];
        String[] references = new String[n];
        String[] reasons = new String[n];
        int i = 0;
        java.util.Map<List<String>, Figures> after = new java.util.LinkedHashMap<>();
        for (var row : byRow.entrySet()) {
            List<OnHandRow> figures = steps.get(row.getKey());
            List<OnHandChange> rowChanges = row.getValue();
            for (int j = 0; j < rowChanges.size(); j++) {
                OnHandChange c = rowChanges.get(j);
                OnHandRow was = figures.get(j);
                OnHandRow is = figures.get(j + 1);
                nodes[i] = c.nodeId();
                skus[i] = c.sku();
                kinds[i] = c.kind().name();
                deltas[i] = is.onHand() - was.onHand();
                afters[i] = is.onHand();
                reserveds[i] = is.reserved();
                references[i] = c.reference();
                reasons[i] = c.reason();
                i++;
            }
            OnHandRow last = figures.get(figures.size() - 1);
            after.put(row.getKey(), new Figures(last.onHand(), last.reserved()));
        }
        jdbc.update("""
                insert into ledger_entry (node_id, sku, kind, on_hand_delta, reserved_delta, on_hand_after, reserved_after, reference, reason)
                select node, sku, kind, delta, 0, after, reserved, ref, reason
                from unnest(cast(:nodes as text[]), cast(:skus as text[]), cast(:kinds as text[]), cast(:deltas as int[]),
                            cast(:afters as int[]), cast(:reserveds as int[]), cast(:refs as text[]), cast(:reasons as text[]))
                     with ordinality as e(node, sku, kind, delta, after, reserved, ref, reason, n)
                order by n""",
                new MapSqlParameterSource("nodes", nodes).addValue("skus", skus).addValue("kinds", kinds)
                        .addValue("deltas", deltas).addValue("afters", afters).addValue("reserveds", reserveds)
                        .addValue("refs", references).addValue("reasons", reasons));
        outbox.stockChanged(new java.util.TreeSet<>(byRow.keySet().stream().map(k -> k.get(1)).toList()));
        return after;
    }

    /** The row's figures before its first change and after each of {@code changes}, one after the other. */
    private static List<OnHandRow> apply(OnHandRow start, List<OnHandChange> changes) {
        List<OnHandRow> figures = new java.util.ArrayList<>(changes.size() + 1);
        figures.add(start);
        OnHandRow row = start;
        for (OnHandChange c : changes) {
            row = row.apply(c);
            figures.add(row);
        }
        return figures;
    }

    /** The existing stock rows among {@code keys} (node, sku), locked in the order every writer locks stock rows, and read. */
    private java.util.Map<List<String>, OnHandRow> lockForChange(java.util.Collection<List<String>> keys) {
        java.util.Map<List<String>, OnHandRow> rows = new java.util.HashMap<>();
        jdbc.query("""
                select s.node_id, s.sku, s.on_hand, s.reserved, s.needs_count, s.count_trigger, s.count_reason from stock s
                join unnest(cast(:nodes as text[]), cast(:skus as text[])) as k(node, sku) on s.node_id = k.node and s.sku = k.sku
                order by s.node_id collate "C", s.sku collate "C" for update of s""",
                new MapSqlParameterSource("nodes", keys.stream().map(k -> k.get(0)).toArray(String[]::new))
                        .addValue("skus", keys.stream().map(k -> k.get(1)).toArray(String[]::new)),
                rs -> {
                    rows.put(List.of(rs.getString(1), rs.getString(2)), new OnHandRow(rs.getInt(3), rs.getInt(4),
                            rs.getBoolean(5), rs.getString(6), rs.getString(7)));
                });
        return rows;
    }

    /** Inserts the missing rows with their final figures (in lock order); returns the ones inserted (not created meanwhile). */
    private java.util.Set<List<String>> insertRows(List<List<String>> keys, java.util.Map<List<String>, List<OnHandRow>> steps) {
        java.util.Set<List<String>> inserted = new java.util.HashSet<>();
        jdbc.query("""
                insert into stock (node_id, sku, on_hand, needs_count, count_trigger, count_reason)
                select node, sku, on_hand, needs_count, count_trigger, count_reason
                from unnest(cast(:nodes as text[]), cast(:skus as text[]), cast(:onHands as int[]), cast(:needs as boolean[]),
                            cast(:triggers as text[]), cast(:reasons as text[]))
                     as u(node, sku, on_hand, needs_count, count_trigger, count_reason)
                order by node collate "C", sku collate "C"
                on conflict (node_id, sku) do nothing
                returning node_id, sku""", finalFigures(keys, steps), rs -> {
            inserted.add(List.of(rs.getString(1), rs.getString(2)));
        });
        return inserted;
    }

    /** Writes the final figures of rows that existed (locked by {@link #lockForChange}). */
    private void updateRows(java.util.Collection<List<String>> keys, java.util.Map<List<String>, List<OnHandRow>> steps) {
        if (keys.isEmpty()) {
            return;
        }
        jdbc.update("""
                update stock s set on_hand = u.on_hand, needs_count = u.needs_count, count_trigger = u.count_trigger,
                       count_reason = u.count_reason, updated_at = now()
                from unnest(cast(:nodes as text[]), cast(:skus as text[]), cast(:onHands as int[]), cast(:needs as boolean[]),
                            cast(:triggers as text[]), cast(:reasons as text[]))
                     as u(node, sku, on_hand, needs_count, count_trigger, count_reason)
                where s.node_id = u.node and s.sku = u.sku""", finalFigures(keys, steps));
    }

    private static MapSqlParameterSource finalFigures(java.util.Collection<List<String>> keys,
                                                      java.util.Map<List<String>, List<OnHandRow>> steps) {
        int n = keys.size();
        String[] nodes = new String[n];
        String[] skus = new String[n];
        Integer[] onHands = new Integer[n];
        Boolean[] needs = new Boolean[n];
        String[] triggers = new String[n];
        String[] reasons = new String[n];
        int k = 0;
        for (List<String> key : keys) {
            List<OnHandRow> figures = steps.get(key);
            OnHandRow row = figures.get(figures.size() - 1);
            nodes[k] = key.get(0);
            skus[k] = key.get(1);
            onHands[k] = row.onHand();
            needs[k] = row.needsCount();
            triggers[k] = row.countTrigger();
            reasons[k] = row.countReason();
            k++;
        }
        return new MapSqlParameterSource("nodes", nodes).addValue("skus", skus).addValue("onHands", onHands)
                .addValue("needs", needs).addValue("triggers", triggers).addValue("reasons", reasons);
    }

    /** A stock row's figures and count flag while {@link #applyOnHand} applies changes to it one after the other. */
    private record OnHandRow(int onHand, int reserved, boolean needsCount, String countTrigger, String countReason) {

        /** A node that never held the sku: nothing on hand, nothing reserved, no flag. */
        static final OnHandRow NONE = new OnHandRow(0, 0, false, null, null);

        /**
         * This row after {@code c}: a count replaces on hand and clears the flag; a delta is added (never below zero),
         * and a delta that would take on hand below zero flags the row for a count with why (a shortfall).
         */
        OnHandRow apply(OnHandChange c) {
            if (c.kind() == Kind.SNAPSHOT) {
                return new OnHandRow(c.quantity(), reserved, false, null, null);
            }
            int wanted = onHand + c.quantity();
            if (wanted < 0) {
                String why = c.kind().name() + " of " + (-c.quantity()) + " with " + onHand + " on hand ("
                        + (c.reference() == null ? "" : c.reference()) + ")";
                return new OnHandRow(0, reserved, true, "SHORTFALL", why);
            }
            return new OnHandRow(wanted, reserved, needsCount, countTrigger, countReason);
        }
    }

    /** A node's stock row for a sku as locked for a batch: figures and the per-sku safety stock override. */
    public record Row(String nodeId, String sku, int onHand, int reserved, Integer safetyStock) {
    }

    /**
     * Locks the stock rows of {@code skus} at every node, in (node, sku) order (byte order, as Java sorts them: the
     * order every writer takes stock rows in), and returns them in that order. For a writer that decides on the
     * figures and then changes them with {@link #reserveBatch}: nobody else changes them until it commits.
     */
    public List<Row> lockRows(java.util.Collection<String> skus) {
        if (skus.isEmpty()) {
            return List.of();
        }
        return jdbc.query("""
                select node_id, sku, on_hand, reserved, safety_stock from stock where sku = any(cast(:skus as text[]))
                order by node_id collate "C", sku collate "C" for update""",
                new MapSqlParameterSource("skus", skus.toArray(String[]::new)),
                (rs, i) -> new Row(rs.getString(1), rs.getString(2), rs.getInt(3), rs.getInt(4), (Integer) rs.getObject(5)));
    }

    /** One reservation of a batch: {@code quantity} of {@code sku} at {@code nodeId} for {@code reference}. */
    public record Reserve(String nodeId, String sku, int quantity, int safetyStock, String reference) {
    }

    /**
     * Reserves a batch of reservations on rows the caller locked with {@link #lockRows}, in three statements
     * whatever their number: ONE guarded update per (node, sku) with the summed quantity ({@code on_hand - reserved -
     * safety >= quantity}, with the smallest safety stock any of its reservations was decided with: each reservation's
     * own guard, checked in turn, implies it), a ledger entry per reservation in the given order with the figures
     * after it, and one STOCK_CHANGED outbox row per sku. Returns false, having changed nothing the caller's
     * rollback would not undo, when any guarded update found its row changed or missing: the caller rolls back.
     */
    public boolean reserveBatch(List<Reserve> reserves) {
        if (reserves.isEmpty()) {
            return true;
        }
        // per stock row: the quantities summed, with the smallest safety stock
        java.util.Map<List<String>, Reserve> perRow = new java.util.TreeMap<>(
                java.util.Comparator.<List<String>, String>comparing(k -> k.get(0)).thenComparing(k -> k.get(1)));
        for (Reserve r : reserves) {
            requirePositive(r.quantity());
            perRow.merge(List.of(r.nodeId(), r.sku()), r, (a, b) -> new Reserve(a.nodeId(), a.sku(), a.quantity() + b.quantity(),
                    Math.min(a.safetyStock(), b.safetyStock()), a.reference()));
        }
        int n = perRow.size();
        String[] nodes = new String[n];
        String[] skus = new String[n];
        Integer[] quantities = new Integer[n];
        Integer[] safeties = new Integer[n];
        int i = 0;
        for (Reserve row : perRow.values()) {
            nodes[i] = row.nodeId();
            skus[i] = row.sku();
            quantities[i] = row.quantity();
            safeties[i] = row.safetyStock();
            i++;
        }
        // the figures before, to give every ledger entry the figures after it (the rows are locked: nobody else moves them)
        java.util.Map<List<String>, Figures> figures = new java.util.HashMap<>();
        jdbc.query("""
                with changed as (
                    update stock s set reserved = s.reserved + d.q, updated_at = now()
                    from unnest(cast(:nodes as text[]), cast(:skus as text[]), cast(:qs as integer[]), cast(:safeties as integer[]))
                        as d(node, sku, q, safety)
                    where s.node_id = d.node and s.sku = d.sku and s.on_hand - s.reserved - d.safety >= d.q
                    returning s.node_id, s.sku, s.on_hand, s.reserved - d.q as reserved_before)
                select * from changed""",
                new MapSqlParameterSource("nodes", nodes).addValue("skus", skus).addValue("qs", quantities).addValue("safeties", safeties),
                rs -> {
                    figures.put(List.of(rs.getString(1), rs.getString(2)), new Figures(rs.getInt(3), rs.getInt(4)));
                });
        if (figures.size() != n) {
            return false;
        }
        int m = reserves.size();
        String[] eNodes = new String[m];
        String[] eSkus = new String[m];
        Integer[] eQs = new Integer[m];
        Integer[] eOnHand = new Integer[m];
        Integer[] eReserved = new Integer[m];
        String[] eRefs = new String[m];
        for (int j = 0; j < m; j++) {
            Reserve r = reserves.get(j);
            List<String> row = List.of(r.nodeId(), r.sku());
            Figures f = figures.get(row);
            f = new Figures(f.onHand(), f.reserved() + r.quantity());
            figures.put(row, f);
            eNodes[j] = r.nodeId();
            eSkus[j] = r.sku();
            eQs[j] = r.quantity();
            eOnHand[j] = f.onHand();
            eReserved[j] = f.reserved();
            eRefs[j] = r.reference();
        }
        jdbc.update("""
                insert into ledger_entry (node_id, sku, kind, on_hand_delta, reserved_delta, on_hand_after, reserved_after, reference)
                select node, sku, 'RESERVE', 0, q, on_hand, reserved, ref
                from unnest(cast(:nodes as text[]), cast(:skus as text[]), cast(:qs as integer[]), cast(:onHand as integer[]),
                            cast(:reserved as integer[]), cast(:refs as text[])) with ordinality as e(node, sku, q, on_hand, reserved, ref, ord)
                order by ord""",
                new MapSqlParameterSource("nodes", eNodes).addValue("skus", eSkus).addValue("qs", eQs).addValue("onHand", eOnHand)
                        .addValue("reserved", eReserved).addValue("refs", eRefs));
        outbox.stockChanged(new java.util.TreeSet<>(List.of(skus)));
        return true;
    }

    /**
     * Marks a node's count for a sku as suspect (a store could not find the item, or rejected it for another reason):
     * the cycle counts (package {@code cyclecount}) ask the node for a count.
     */
    public void flagForCount(String nodeId, String sku, String reference, String reason) {
        jdbc.update("""
                update stock set needs_count = true, count_trigger = 'REJECTION', count_reason = :reason, updated_at = now()
                where node_id = :node and sku = :sku""", params(nodeId, sku).addValue("reason", reason));
        Figures now = figures(nodeId, sku);
        record(nodeId, sku, Kind.NOT_FOUND, 0, 0, now, reference, reason);
    }

    /** Current figures, or zeros when the node holds no stock row for the sku. */
    public Figures figures(String nodeId, String sku) {
        return jdbc.query("select on_hand, reserved from stock where node_id = :node and sku = :sku",
                params(nodeId, sku), FIGURES).stream().findFirst().orElse(new Figures(0, 0));
    }

    private void record(String nodeId, String sku, Kind kind, int onHandDelta, int reservedDelta, Figures after,
                        String reference, String reason) {
        jdbc.update("""
                insert into ledger_entry (node_id, sku, kind, on_hand_delta, reserved_delta, on_hand_after, reserved_after, reference, reason)
                values (:node, :sku, :kind, :dOnHand, :dReserved, :onHand, :reserved, :ref, :reason)""",
                params(nodeId, sku).addValue("kind", kind.name())
                        .addValue("dOnHand", onHandDelta).addValue("dReserved", reservedDelta)
                        .addValue("onHand", after.onHand()).addValue("reserved", after.reserved())
                        .addValue("ref", reference).addValue("reason", reason));
        outbox.stockChanged(sku);
    }

    private static MapSqlParameterSource params(String nodeId, String sku) {
        return new MapSqlParameterSource("node", nodeId).addValue("sku", sku);
    }

    private static Figures one(List<Figures> rows, String nodeId, String sku) {
        if (rows.isEmpty()) {
            throw new IllegalStateException("node " + nodeId + " holds no stock row for sku " + sku);
        }
        return rows.get(0);
    }

    private static void requirePositive(int quantity) {
        if (quantity <= 0) {
            throw new IllegalArgumentException("quantity must be positive: " + quantity);
        }
    }

    private static final org.springframework.jdbc.core.RowMapper<Figures> FIGURES =
            (rs, i) -> new Figures(rs.getInt("on_hand"), rs.getInt("reserved"));
}
