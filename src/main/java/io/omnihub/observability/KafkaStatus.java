package io.omnihub.observability;

import jakarta.annotation.PreDestroy;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupListing;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.DescribeClusterResult;
import org.apache.kafka.clients.admin.ListConsumerGroupOffsetsResult;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.actuate.health.AbstractHealthIndicator;
import org.springframework.boot.actuate.health.Health;
import org.springframework.stereotype.Component;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * The hub's view of its Kafka cluster: a health check (describe the cluster within a timeout) and the lag of
 * every consumer group (latest offset minus committed offset, summed per group and topic), both through one
 * Kafka {@link Admin} client. Registered as the {@code kafka} health contributor.
 */
@Component("kafka")
public class KafkaStatus extends AbstractHealthIndicator {

    private static final long TIMEOUT_MS = 3000;

    private final String brokers;
    private volatile Admin admin;

    public KafkaStatus(@Value("${omnihub.kafka.brokers}") String brokers) {
        super("Kafka health check failed");
        this.brokers = brokers;
    }

    /** The lag of one consumer group on one topic. */
    public record GroupLag(String group, String topic, long lag, int partitions) {
    }

    @Override
    protected void doHealthCheck(Health.Builder builder) throws Exception {
        DescribeClusterResult cluster = admin().describeCluster(new DescribeClusterOptions().timeoutMs((int) TIMEOUT_MS));
        int nodes = cluster.nodes().get(TIMEOUT_MS, TimeUnit.MILLISECONDS).size();
        builder.up().withDetail("brokers", brokers).withDetail("nodes", nodes)
                .withDetail("clusterId", cluster.clusterId().get(TIMEOUT_MS, TimeUnit.MILLISECONDS));
    }

    /** Lag of every consumer group per topic; throws when Kafka does not answer in time. */
    public List<GroupLag> consumerLag() throws Exception {
        Admin a = admin();
        List<GroupLag> result = new ArrayList<>();
        for (ConsumerGroupListing g : a.listConsumerGroups().all().get(TIMEOUT_MS, TimeUnit.MILLISECONDS)) {
            ListConsumerGroupOffsetsResult offsets = a.listConsumerGroupOffsets(g.groupId());
            Map<TopicPartition, OffsetAndMetadata> committed = offsets.partitionsToOffsetAndMetadata()
                    .get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
            Map<TopicPartition, OffsetSpec> latestSpec = new HashMap<>();
            committed.forEach((tp, om) -> {
                if (om != null) {
                    latestSpec.put(tp, OffsetSpec.latest());
                }
            });
            if (latestSpec.isEmpty()) {
                continue;
            }
            Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> latest = a.listOffsets(latestSpec).all()
                    .get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
            Map<String, GroupLag> perTopic = new TreeMap<>();
            latestSpec.keySet().forEach(tp -> {
                long lag = Math.max(0, latest.get(tp).offset() - committed.get(tp).offset());
                perTopic.merge(tp.topic(), new GroupLag(g.groupId(), tp.topic(), lag, 1),
                        (x, y) -> new GroupLag(x.group(), x.topic(), x.lag() + y.lag(), x.partitions() + y.partitions()));
            });
            result.addAll(perTopic.values());
        }
        result.sort((x, y) -> (x.group() + x.topic()).compareTo(y.group() + y.topic()));
        return result;
    }

    private Admin admin() {
        Admin a = admin;
        if (a == null) {
            synchronized (this) {
                if (admin == null) {
                    admin = Admin.create(Map.of(
                            AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, brokers,
                            AdminClientConfig.CLIENT_ID_CONFIG, "omnihub-observability",
                            AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) TIMEOUT_MS,
                            AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) TIMEOUT_MS * 2));
                }
                a = admin;
            }
        }
        return a;
    }

    @PreDestroy
    void close() {
        if (admin != null) {
            admin.close(java.time.Duration.ofSeconds(2));
        }
    }
}
