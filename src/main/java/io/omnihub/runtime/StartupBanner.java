package io.omnihub.runtime;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.ApplicationListener;
import org.springframework.core.env.Environment;
import org.springframework.stereotype.Component;

import java.lang.management.ManagementFactory;
import java.util.Map;

/** Prints, once the hub is up, what it started and where, so a newcomer can point psql, a Kafka client and sftp at it. */
@Component
public class StartupBanner implements ApplicationListener<ApplicationReadyEvent> {

    private static final Logger log = LoggerFactory.getLogger(StartupBanner.class);

    @Override
    public void onApplicationEvent(ApplicationReadyEvent event) {
        Environment env = event.getApplicationContext().getEnvironment();
        Map<String, String> embedded = EmbeddedServers.started();
        String port = env.getProperty("local.server.port", env.getProperty("server.port", "8080"));
        StringBuilder b = new StringBuilder("\n\n  omnihub is up in ")
                .append(ManagementFactory.getRuntimeMXBean().getUptime()).append(" ms\n");
        line(b, "console", "http://localhost:" + port + "/");
        line(b, "webhooks", "http://localhost:" + port + "/webhooks/{channel}/orders");
        line(b, "PostgreSQL", embedded.getOrDefault("PostgreSQL", env.getProperty("spring.datasource.url") + " (external)"));
        line(b, "Kafka", embedded.getOrDefault("Kafka (KRaft)", env.getProperty("omnihub.kafka.brokers") + " (external)"));
        line(b, "SFTP", embedded.getOrDefault("SFTP", env.getProperty("omnihub.sftp.host") + ":"
                + env.getProperty("omnihub.sftp.port") + " (external)"));
        log.info(b.append('\n').toString());
    }

    private static void line(StringBuilder b, String what, String where) {
        b.append(String.format("  %-11s %s%n", what, where));
    }
}
