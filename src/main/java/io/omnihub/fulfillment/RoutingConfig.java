package io.omnihub.fulfillment;

import io.omnihub.routing.OrderRouter;
import io.omnihub.routing.RoutingPolicy;
import io.omnihub.runtime.KafkaSetup;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * Wires the plain-Java router to the hub: binds the routing policy from {@code omnihub.routing.*} (shipped as
 * routing/policy.yaml, imported by application.yaml) and refuses to start when it is invalid, naming every
 * broken key; creates the internal fulfillment topics.
 */
@Configuration(proxyBeanMethods = false)
public class RoutingConfig {

    public static final String PREFIX = "omnihub.routing";
    /** Fulfillment requests for nodes whose sink is STORE_KAFKA, keyed by node id. */
    public static final String STORE_REQUESTS_TOPIC = "omnihub.store-fulfillment.v1";

    @Bean
    public OrderRouter orderRouter() {
        return new OrderRouter();
    }

    /**
     * The policy from configuration, validated at start: it becomes version 1 of the policy stored in PostgreSQL
     * (io.omnihub.policy.PolicyStore); live routing uses the stored version in force, not this bean.
     */
    @Bean
    public RoutingPolicy routingPolicy(Environment env) {
        RoutingPolicy policy = Binder.get(env).bind(PREFIX, RoutingPolicy.class)
                .orElseThrow(() -> new IllegalStateException("No routing policy: " + PREFIX
                        + ".* is not configured (routing/policy.yaml is imported by application.yaml)"));
        List<String> errors = policy.validate(PREFIX);
        if (!errors.isEmpty()) {
            throw new IllegalStateException("The routing policy is invalid:\n  - " + String.join("\n  - ", errors));
        }
        return policy;
    }

    /** Internal topics: fulfillment requests (routing to the sink routes) and store requests (STORE_KAFKA nodes). */
    @Bean
    public FulfillmentTopics fulfillmentTopics(KafkaSetup.CanonicalTopicsCreated canonical, FulfillmentProperties props,
                                               @Value("${omnihub.kafka.brokers}") String brokers,
                                               @Value("${omnihub.kafka.partitions:6}") int partitions,
                                               @Value("${omnihub.kafka.replication-factor:1}") short replication) throws Exception {
        List<String> topics = List.of(props.requestsTopic(), STORE_REQUESTS_TOPIC);
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, brokers))) {
            Set<String> existing = admin.listTopics().names().get(30, TimeUnit.SECONDS);
            List<NewTopic> missing = topics.stream().filter(t -> !existing.contains(t))
                    .map(t -> new NewTopic(t, partitions, replication)).toList();
            if (!missing.isEmpty()) {
                try {
                    admin.createTopics(missing).all().get(30, TimeUnit.SECONDS);
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw new IllegalStateException("Could not create the fulfillment topics: " + e.getCause(), e);
                    }
                }
            }
        }
        return new FulfillmentTopics(topics);
    }

    /** Marker bean: the fulfillment topics exist. */
    public record FulfillmentTopics(List<String> topics) {
    }
}
