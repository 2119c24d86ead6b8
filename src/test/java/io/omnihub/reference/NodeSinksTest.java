package io.omnihub.reference;

import io.omnihub.canonical.ErrorCategory;
import io.omnihub.canonical.NodeSink;
import io.omnihub.canonical.RejectedMessageException;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Route node-sink's choice of a sink route: every sink names its route, anything else is a permanent error. */
class NodeSinksTest {

    private final NodeSinks sinks = new NodeSinks();

    @Test
    void shouldNameTheRouteOfEachSink() {
        assertThat(sinks.route("WH-NJ1", "WMS_SFTP")).isEqualTo("direct:fulfillment-wms-sftp");
        assertThat(sinks.route("ST-MAN", "STORE_HTTP")).isEqualTo("direct:fulfillment-store-http");
        assertThat(sinks.route("ST-BRK", "STORE_KAFKA")).isEqualTo("direct:fulfillment-store-kafka");
        assertThat(sinks.route("DS-ACME", "PARTNER_SFTP")).isEqualTo("direct:fulfillment-partner-sftp");
    }

    @Test
    void shouldRefuseANodeWithoutASinkForGood() {
        assertThatThrownBy(() -> sinks.route("ST-X", "NONE"))
                .isInstanceOfSatisfying(RejectedMessageException.class, e -> {
                    assertThat(e.category()).isEqualTo(ErrorCategory.UNKNOWN_REFERENCE);
                    assertThat(e.reason()).isEqualTo("node ST-X has no sink (sink NONE)");
                });
        assertThatThrownBy(() -> sinks.route("ST-X", null)).hasMessage("node ST-X has no sink (sink )");
        assertThat(NodeSink.of("FTP")).isNull();
    }
}
