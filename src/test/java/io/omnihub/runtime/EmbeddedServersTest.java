package io.omnihub.runtime;

import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringApplication;
import org.springframework.mock.env.MockEnvironment;

import static org.assertj.core.api.Assertions.assertThat;

/** With every external address configured, the hub starts nothing embedded and keeps the given addresses. */
class EmbeddedServersTest {

    @Test
    void shouldStartNothingWhenEveryAddressIsConfigured() {
        MockEnvironment env = new MockEnvironment()
                .withProperty("spring.datasource.url", "jdbc:postgresql://db.example:5432/omnihub")
                .withProperty("omnihub.kafka.brokers", "kafka.example:9092")
                .withProperty("omnihub.sftp.host", "sftp.example");
        var before = EmbeddedServers.started();

        new EmbeddedServers().postProcessEnvironment(env, new SpringApplication());

        assertThat(EmbeddedServers.started()).isEqualTo(before);
        assertThat(env.getProperty("spring.datasource.url")).isEqualTo("jdbc:postgresql://db.example:5432/omnihub");
        assertThat(env.getProperty("omnihub.kafka.brokers")).isEqualTo("kafka.example:9092");
        assertThat(env.getProperty("omnihub.sftp.host")).isEqualTo("sftp.example");
    }

    @Test
    void shouldStartNothingWhenEmbeddedIsDisabled() {
        MockEnvironment env = new MockEnvironment().withProperty("omnihub.embedded.enabled", "false");
        var before = EmbeddedServers.started();

        new EmbeddedServers().postProcessEnvironment(env, new SpringApplication());

        assertThat(EmbeddedServers.started()).isEqualTo(before);
        assertThat(env.getProperty("spring.datasource.url")).isNull();
    }
}
