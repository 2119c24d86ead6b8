package io.omnihub.reliability;

import io.omnihub.support.HubProcess;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A normal stop (SIGTERM) stops Camel's routes first, so every Kafka consumer leaves its group while the embedded
 * broker still runs, then Kafka, then PostgreSQL (issue 15: the broker used to stop first; the stop took over a minute
 * of "Connection to node 1 could not be established", and after the restart every consumer group waited for its old
 * members' sessions to expire, so a POS sale took 26 s to reach the ledger).
 */
class HubRestartIT {

    /**
     * How long a SIGTERM may take: a few seconds are normal; generous for a loaded 2-core machine, and far below the
     * 66 s the stop took with the broker gone before the consumers.
     */
    static final Duration STOP_LIMIT = Duration.ofSeconds(25);
    /**
     * How long a sale published right after the restart may take to reach the ledger: about a second when the groups
     * are empty; generous for a loaded machine, and below what waiting out the old members' sessions (45 s from the
     * broker's start, 26 s measured after the hub was up) costs.
     */
    static final Duration SALE_LIMIT = Duration.ofSeconds(12);

    static HubProcess hub;

    @AfterAll
    static void stop() throws Exception {
        if (hub != null) {
            hub.close();
        }
    }

    /** Publishes a sale as a store's POS does and waits for Kafka's acknowledgement. */
    static void publishSale(String brokers, String saleId) throws Exception {
        // generous waits: on a loaded machine the first send after the hub came up may wait for the topic's creation
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, brokers,
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.MAX_BLOCK_MS_CONFIG, 60_000,
                ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 20_000,
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 60_000,
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class))) {
            producer.send(new ProducerRecord<>("pos.sales.v1", "ST-LIC", """
                    {"saleId": "%s", "storeId": "ST-LIC", "register": "1", "soldAt": "2026-11-25T14:03:11Z",
                     "items": [{"sku": "SKU-1001", "qty": 1, "price": 19.99}]}""".formatted(saleId))).get(90, TimeUnit.SECONDS);
        }
    }

    static boolean inLedger(JdbcTemplate db, String saleId) {
        return db.queryForObject("select count(*) from ledger_entry where reference = ?", Integer.class,
                "stock-event:pos:ST-LIC:" + saleId + ":1") > 0;
    }

    @Test
    void shouldStopPromptlyAndApplyASaleRightAfterTheRestart() throws Exception {
        hub = HubProcess.embedded("restart").start();
        JdbcTemplate db = new JdbcTemplate(new DriverManagerDataSource(hub.jdbcUrl(), "postgres", "postgres"));

        // a sale before the stop: the consumer groups on a sale's way to the ledger (POS sales, then canonical stock
        // events) have members and committed offsets, as in a hub that has been running
        publishSale(hub.kafkaBrokers(), "restart-before");
        await().atMost(Duration.ofSeconds(90)).until(() -> inLedger(db, "restart-before"));

        int logBefore = hub.output().length();
        Duration stopped = hub.terminate(Duration.ofSeconds(120));
        String stopLog = hub.output().substring(logBefore);
        assertThat(stopped).as("SIGTERM to exit; the log of the stop:\n" + stopLog).isLessThan(STOP_LIMIT);
        assertThat(stopLog).as("no Kafka client was left talking to a stopped broker")
                .doesNotContain("could not be established");

        hub.start();
        long t0 = System.nanoTime();
        publishSale(hub.kafkaBrokers(), "restart-after");
        await().atMost(SALE_LIMIT).pollInterval(Duration.ofMillis(100)).until(() -> inLedger(db, "restart-after"));
        System.out.printf("HubRestartIT: stop took %d ms, the sale after the restart reached the ledger in %d ms%n",
                stopped.toMillis(), (System.nanoTime() - t0) / 1_000_000);
    }
}
