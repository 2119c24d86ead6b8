package io.omnihub.policy;

import io.omnihub.canonical.Address;
import io.omnihub.canonical.CanonicalOrder;
import io.omnihub.canonical.FulfillmentType;
import io.omnihub.canonical.OrderIds;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

class PilotTest {

    static CanonicalOrder order(String id, String channel, String region) {
        return new CanonicalOrder(id, channel, id, Instant.now(), null,
                new Address(null, null, null, null, region, null, "US", null, null), FulfillmentType.SHIP_TO_HOME, null, List.of(), "USD");
    }

    @Test
    void shouldAssignCloseToTheConfiguredShareOver10000Orders() {
        for (double share : new double[] {5, 20, 50}) {
            Pilot pilot = new Pilot(2, BigDecimal.valueOf(share), null, null);
            int in = 0;
            for (int i = 0; i < 10_000; i++) {
                if (pilot.decides(order(OrderIds.of("web", "order-" + i), "web", "NY"))) {
                    in++;
                }
            }
            assertThat(in / 100.0).as("share %s%%", share).isCloseTo(share, org.assertj.core.data.Offset.offset(Math.max(1.0, share * 0.1)));
        }
    }

    @Test
    void shouldBeStablePerOrderId() {
        Pilot pilot = new Pilot(2, BigDecimal.valueOf(30), null, null);
        for (int i = 0; i < 1000; i++) {
            String id = "OH-" + UUID.randomUUID();
            boolean first = pilot.decides(order(id, "web", null));
            assertThat(new Pilot(3, BigDecimal.valueOf(30), null, null).decides(order(id, "web", null))).isEqualTo(first);
            assertThat(pilot.decides(order(id, "web", null))).isEqualTo(first);
        }
        // a larger share keeps every order of the smaller one
        for (int i = 0; i < 1000; i++) {
            String id = "OH-" + i;
            if (Pilot.inShare(id, 10)) {
                assertThat(Pilot.inShare(id, 25)).isTrue();
            }
        }
        assertThat(Pilot.inShare("anything", 0)).isFalse();
        assertThat(Pilot.inShare("anything", 100)).isTrue();
    }

    @Test
    void shouldMatchChannelAndRegion() {
        Pilot web = new Pilot(2, null, "web", null);
        assertThat(web.decides(order("a", "web", "NY"))).isTrue();
        assertThat(web.decides(order("a", "pos", "NY"))).isFalse();
        Pilot nj = new Pilot(2, BigDecimal.valueOf(100), null, "NJ");
        assertThat(nj.decides(order("a", "web", "nj"))).isTrue();
        assertThat(nj.decides(order("a", "web", "NY"))).isFalse();
    }
}
