package io.omnihub.bench;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupListing;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;

/**
 * Waits, between two figures, until the hub has finished the work the previous figure left it: every consumer
 * group of the hub has read its topics to the end, no outbox row is waiting and no delivery is owed. Otherwise a
 * figure measures the tail of the one before (the routing figure leaves thousands of fulfillment requests and order
 * statuses to send). Says how long that took, so the notes can tell it.
 */
final class HubSettling {

    private final HubUnderTest hub;

    HubSettling(HubUnderTest hub) {
        this.hub = hub;
    }

    /** Waits up to {@code max}; returns a line saying how long it took and what was left, if anything. */
    String await(String after, Duration max) throws Exception {
        long start = System.nanoTime();
        long deadline = start + max.toNanos();
        String left = "";
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, hub.kafkaBrokers());
        try (Admin admin = Admin.create(props);
             Connection c = DriverManager.getConnection(hub.jdbcUrl(), hub.dbUser(), hub.dbPassword())) {
            while (System.nanoTime() < deadline) {
                long lag = lag(admin);
                long outbox = count(c, "select count(*) from outbox where processed_at is null");
                long owed = count(c, "select count(*) from delivery where status = 'PENDING'");
                left = String.format(Locale.ROOT, "consumer lag %,d, outbox rows waiting %,d, deliveries owed %,d", lag, outbox, owed);
                if (lag == 0 && outbox == 0 && owed == 0) {
                    return String.format(Locale.ROOT, "the hub settled %.1f s after the %s figure", (System.nanoTime() - start) / 1e9, after);
                }
                Thread.sleep(250);
            }
        }
        return String.format(Locale.ROOT, "the hub had not settled %d s after the %s figure (%s); the next figure ran anyway",
                max.toSeconds(), after, left);
    }

    private static long count(Connection c, String sql) throws Exception {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** What the hub's consumer groups have not read yet, over all their partitions. */
    private static long lag(Admin admin) throws Exception {
        long lag = 0;
        for (ConsumerGroupListing group : admin.listConsumerGroups().all().get()) {
            if (!group.groupId().startsWith("omnihub")) {
                continue;
            }
            Map<TopicPartition, OffsetAndMetadata> committed =
                    admin.listConsumerGroupOffsets(group.groupId()).partitionsToOffsetAndMetadata().get();
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            committed.keySet().forEach(tp -> latest.put(tp, OffsetSpec.latest()));
            Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> ends = admin.listOffsets(latest).all().get();
            for (Map.Entry<TopicPartition, OffsetAndMetadata> e : committed.entrySet()) {
                if (e.getValue() != null) {
                    lag += Math.max(0, ends.get(e.getKey()).offset() - e.getValue().offset());
                }
            }
        }
        return lag;
    }
}
