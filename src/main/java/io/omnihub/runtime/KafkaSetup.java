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
        return new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, brokers,
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                ProducerConfig.LINGER_MS_CONFIG, 1,
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 30_000,
                ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000,
                ProducerConfig.MAX_BLOCK_MS_CONFIG, 10_000,
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class));
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
