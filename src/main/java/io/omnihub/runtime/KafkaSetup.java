package io.omnihub.runtime;

import io.omnihub.canonical.CanonicalTopics;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.StringSerializer;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/** Creates the canonical topics at start and provides the hub's durable Kafka producer. */
@Configuration(proxyBeanMethods = false)
public class KafkaSetup {

    /** Producer for the outbox relay: acks=all, idempotent, so a confirmed send is on every replica once. */
    @Bean(destroyMethod = "close")
    public Producer<String, String> hubProducer(@Value("${omnihub.kafka.brokers}") String brokers) {
        return new KafkaProducer<>(Map.ofEntries(
                Map.entry(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, brokers),
                Map.entry(ProducerConfig.ACKS_CONFIG, "all"),
                Map.entry(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true),
                // Chosen by measurement (bench/run.sh with -Dbench.only=producer, the relay's own pattern of 500-record
                // batches with 4 in flight, 558-byte orders, acks=all, on the hub's broker, one run on a loaded machine):
                // linger 1 ms / 16 KiB 359 msg/s; linger 5 ms / 16 KiB 638; linger 5 ms / 128 KiB 3,459 (p50 of a
                // batch's acks 294 ms); the same with lz4 2,064 (compression costs CPU on 2 cores and the broker
                // flushes per append either way), zstd 3,589 (same as none within the noise), linger 20 ms / 256 KiB
                // lz4 4,094 but p50 487 ms. The 16 KiB default batch was the limit: a partition's batch filled after
                // ~28 orders, so a relay batch of 500 went out as many small produce requests, each a disk flush on the
                // broker. 128 KiB holds a relay batch's share of a partition in one request; 5 ms of linger lets it
                // fill without adding much to an order's way to Kafka; no compression.
                Map.entry(ProducerConfig.LINGER_MS_CONFIG, 5),
                Map.entry(ProducerConfig.BATCH_SIZE_CONFIG, 131_072),
                Map.entry(ProducerConfig.COMPRESSION_TYPE_CONFIG, "none"),
                Map.entry(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 30_000),
                Map.entry(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000),
                Map.entry(ProducerConfig.MAX_BLOCK_MS_CONFIG, 10_000),
                Map.entry(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class),
                Map.entry(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class)));
    }

    /** The canonical topics, created when missing. Runs before anything consumes them. */
    @Bean
    public CanonicalTopicsCreated canonicalTopics(@Value("${omnihub.kafka.brokers}") String brokers,
                                                  @Value("${omnihub.kafka.partitions:6}") int partitions,
                                                  @Value("${omnihub.kafka.replication-factor:1}") short replication)
            throws InterruptedException, java.util.concurrent.TimeoutException {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, brokers))) {
            Set<String> existing = admin.listTopics().names().get(30, TimeUnit.SECONDS);
            List<NewTopic> missing = CanonicalTopics.ALL.stream()
                    .filter(t -> !existing.contains(t))
                    .map(t -> new NewTopic(t, partitions, replication))
                    .toList();
            if (!missing.isEmpty()) {
                try {
                    admin.createTopics(missing).all().get(30, TimeUnit.SECONDS);
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw new IllegalStateException("Could not create the canonical topics: " + e.getCause(), e);
                    }
                }
            }
        } catch (ExecutionException e) {
            throw new IllegalStateException("Kafka at " + brokers + " is not reachable: " + e.getCause(), e);
        }
        return new CanonicalTopicsCreated(CanonicalTopics.ALL);
    }

    /** Marker bean: the canonical topics exist. */
    public record CanonicalTopicsCreated(List<String> topics) {
    }
}
