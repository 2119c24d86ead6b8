package io.omnihub.reliability;

import io.omnihub.support.HubProcess;
import io.omnihub.support.SftpPeer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A 20,000-row WMS stock file with 50 bad rows scattered through it, and the hub (its own process) killed with SIGKILL
 * while it reads the file. After a restart on the same data directory the file is read again from the start: the
 * result file lists exactly the 50 bad rows with their reasons and every other row as accepted, the ledger holds each
 * good row exactly once (a count then the adjustments of the same sku, applied in file order, give the expected
 * figure), and every channel's figure converges to what the ledger gives.
 */
class StockFileCrashIT {

    static final int ROWS = 20_000;
    /** Four rows per sku, next to each other: a count, then three adjustments. */
    static final int SKUS = ROWS / 4;

    static HubProcess hub;

    @AfterAll
    static void stop() throws Exception {
        if (hub != null) {
            hub.close();
        }
    }

    static String sku(String run, int s) {
        return "CF-%s-%05d".formatted(run, s);
    }

    /** Rows 200, 600, 1000, … (each an adjustment, the fourth row of its sku) are bad, in five ways. */
    static boolean bad(int row) {
        return row % 400 == 200;
    }

    static int count(int s) {
        return 20 + s % 30;
    }

    static int adjustment(int s, int k) {
        return switch (k) {
            case 1 -> -5;
            case 2 -> 3;
            default -> -(1 + s % 40);
        };
    }

    @Test
    void shouldReportEveryBadRowAndApplyEveryGoodRowOnceWhenKilledHalfway() throws Exception {
        // a claim not renewed for 10 s is taken again: the restarted hub resumes the file without a long wait
        hub = HubProcess.embedded("file-crash", "--omnihub.sftp.claim-lease-seconds=10").start();
        NamedParameterJdbcTemplate db = new NamedParameterJdbcTemplate(new DriverManagerDataSource(hub.jdbcUrl(), "postgres", "postgres"));
        String run = UUID.randomUUID().toString().substring(0, 6);
        db.update("""
                insert into item (sku, name) select 'CF-' || :run || '-' || lpad(g::text, 5, '0'), 'crash file item'
                from generate_series(1, :n) g""", new MapSqlParameterSource("run", run).addValue("n", SKUS));

        StringBuilder file = new StringBuilder("record_type,warehouse,sku,quantity,reason\n");
        Map<Integer, String> expectedReasons = new TreeMap<>();
        Map<String, Integer> expectedOnHand = new HashMap<>();
        for (int row = 1; row <= ROWS; row++) {
            int s = (row - 1) / 4 + 1;
            int k = (row - 1) % 4;
            String sku = sku(run, s);
            if (bad(row)) {
                switch ((row / 400) % 5) {
                    case 0 -> {
                        file.append("ADJ,WH-NJ1,NO-SUCH-").append(sku).append(",1,recount\n");
                        expectedReasons.put(row, "sku: unknown sku NO-SUCH-" + sku);
                    }
                    case 1 -> {
                        file.append("ADJ,WH-NJ1,").append(sku).append(",lots,recount\n");
                        expectedReasons.put(row, "quantity");
                    }
                    case 2 -> {
                        file.append("ADJ,WH-NJ1\n");
                        expectedReasons.put(row, "row has 2 fields, the header has 5");
                    }
                    case 3 -> {
                        file.append("ADJ,NO-SUCH-NODE,").append(sku).append(",1,recount\n");
                        expectedReasons.put(row, "nodeId: unknown node NO-SUCH-NODE");
                    }
                    default -> {
                        file.append("BOGUS,WH-NJ1,").append(sku).append(",1,recount\n");
                        expectedReasons.put(row, "type");
                    }
                }
                continue;
            }
            if (k == 0) {
                file.append("SNAP,WH-NJ1,").append(sku).append(',').append(count(s)).append(",\n");
                expectedOnHand.put(sku, count(s));
            } else {
                file.append("ADJ,WH-NJ1,").append(sku).append(',').append(adjustment(s, k)).append(",recount\n");
                // an adjustment never takes on hand below zero
                expectedOnHand.merge(sku, adjustment(s, k), (a, b) -> Math.max(0, a + b));
            }
        }
        assertThat(expectedReasons).hasSize(50);
        int good = ROWS - expectedReasons.size();
        String name = "crash-stock-" + run + ".csv";
        MapSqlParameterSource file1 = new MapSqlParameterSource("keys", "wms:" + name + "@%")
                .addValue("refs", "stock-event:wms:" + name + "@%");
        String applied = "select count(*) from idempotency_key where scope = 'stock-event' and key like :keys";

        try (SftpPeer wms = SftpPeer.login("127.0.0.1", hub.sftpPort, "wms", "wms-secret")) {
            wms.upload("inbound/stock/" + name, file.toString());
        }
        // halfway: some chunks applied, others not yet
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(20))
                .until(() -> db.queryForObject(applied, file1, Integer.class) >= ROWS / 3);
        hub.kill();
        int beforeKill = db.queryForObject(applied, file1, Integer.class);
        assertThat(beforeKill).as("rows applied when the hub was killed").isBetween(ROWS / 3, good - 1);

        hub.start();
        String result;
        try (SftpPeer wms = SftpPeer.login("127.0.0.1", hub.sftpPort, "wms", "wms-secret")) {
            await().atMost(Duration.ofSeconds(180)).until(() -> wms.exists("inbound/stock/done/" + name));
            result = wms.read("inbound/stock/" + name + ".result.csv");
        }

        List<String> lines = result.lines().toList();
        assertThat(lines.get(0)).isEqualTo("row,status,reason");
        assertThat(lines).hasSize(ROWS + 1);
        Map<Integer, String> rejected = new TreeMap<>();
        int accepted = 0;
        for (String line : lines.subList(1, lines.size())) {
            int row = Integer.parseInt(line.substring(0, line.indexOf(',')));
            if (line.startsWith(row + ",accepted,")) {
                accepted++;
            } else {
                assertThat(line).startsWith(row + ",rejected,");
                rejected.put(row, line.substring((row + ",rejected,").length()));
            }
        }
        assertThat(rejected.keySet()).as("the rejected rows").containsExactlyElementsOf(expectedReasons.keySet());
        expectedReasons.forEach((row, reason) -> assertThat(rejected.get(row)).as("reason of row " + row).contains(reason));
        assertThat(accepted).isEqualTo(good);

        // each good row in the ledger once, and in file order per sku (the figures say so)
        await().atMost(Duration.ofSeconds(180)).until(() -> db.queryForObject(
                "select count(distinct reference) from ledger_entry where reference like :refs", file1, Integer.class) == good);
        assertThat(db.queryForObject("select count(*) from ledger_entry where reference like :refs", file1, Integer.class))
                .as("ledger entries of the file's rows").isEqualTo(good);
        Map<String, Integer> onHand = new HashMap<>();
        db.query("select sku, on_hand from stock where node_id = 'WH-NJ1' and sku like :skus",
                new MapSqlParameterSource("skus", "CF-" + run + "-%"), rs -> {
                    onHand.put(rs.getString(1), rs.getInt(2));
                });
        assertThat(onHand).isEqualTo(expectedOnHand);
        LedgerConsistency.assertConsistent(db);

        // every channel converges: its figure is what the ledger gives (the web channel has no buffers), and the last
        // figure it was sent for each sku is that figure
        MapSqlParameterSource skus = new MapSqlParameterSource("skus", "CF-" + run + "-%");
        await().atMost(Duration.ofSeconds(600)).untilAsserted(() -> {
            assertThat(db.queryForObject("select count(*) from ats_state where channel = 'web' and sku like :skus", skus, Integer.class))
                    .as("web figures of the file's skus").isEqualTo(SKUS);
            assertThat(db.queryForList("""
                    select a.sku from ats_state a left join (
                        select s.sku, sum(greatest(0, s.on_hand - s.reserved - coalesce(s.safety_stock, n.safety_stock)))
                                      filter (where n.enabled) as expected
                        from channel_node cn join node n on n.id = cn.node_id join stock s on s.node_id = cn.node_id
                        where cn.channel_id = 'web' group by s.sku) x on x.sku = a.sku
                    where a.channel = 'web' and a.sku like :skus and a.available <> coalesce(x.expected, 0)""", skus, String.class))
                    .as("web figures that differ from the ledger").isEmpty();
            assertThat(db.queryForObject("""
                    select count(*) from outbox where kind = 'STOCK_CHANGED' and processed_at is null""", skus, Integer.class))
                    .as("stock changes the sync has not taken up").isZero();
            assertThat(db.queryForList("""
                    select a.channel || ' ' || a.sku from ats_state a
                    where a.sku like :skus and a.available <> coalesce((
                        select (d.payload->>'available')::int from delivery d
                        where d.channel = a.channel and d.kind = 'ATS' and d.ordering_key = a.sku and d.status = 'DELIVERED'
                        order by d.sequence desc limit 1), 0)""", skus, String.class))
                    .as("channel figures whose last delivery is not the current figure").isEmpty();
        });
    }
}
