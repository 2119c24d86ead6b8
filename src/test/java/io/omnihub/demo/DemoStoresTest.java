package io.omnihub.demo;

import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The demo's store stand-in: it serves only while the hub's store URL points at it (the embedded demo's default), and
 * keeps what each store received. (A plain context with only this class, not the hub's: the shared test context has a
 * real store stub configured, so the stand-in is off there.)
 */
class DemoStoresTest {

    private final ApplicationContextRunner context = new ApplicationContextRunner().withUserConfiguration(DemoStores.class);

    @Test
    void shouldStandInWhenTheStoreUrlIsTheDemosDefault() {
        context.withPropertyValues("omnihub.demo.stores.enabled=true", "server.port=8080",
                        "omnihub.stores.http-base-url=http://localhost:${server.port}/demo")
                .run(ctx -> assertThat(ctx).hasSingleBean(DemoStores.class));
    }

    @Test
    void shouldStayOffWhenARealStoreSystemIsConfiguredOrInProduction() {
        context.withPropertyValues("omnihub.demo.stores.enabled=true", "omnihub.stores.http-base-url=https://stores.example.com/api")
                .run(ctx -> assertThat(ctx).doesNotHaveBean(DemoStores.class));
        context.withPropertyValues("omnihub.demo.stores.enabled=false", "omnihub.stores.http-base-url=http://localhost:8080/demo")
                .run(ctx -> assertThat(ctx).doesNotHaveBean(DemoStores.class));
    }

    @Test
    void shouldAcceptEachRequestAndKeepItPerStoreNewestFirst() {
        DemoStores stores = new DemoStores();
        assertThat(stores.request("ST-MAN", "{\"requestId\":\"OH-1-ST-MAN\"}".getBytes(StandardCharsets.UTF_8))
                .getStatusCode().value()).isEqualTo(202);
        stores.request("ST-MAN", "{\"requestId\":\"OH-2-ST-MAN\"}".getBytes(StandardCharsets.UTF_8));
        stores.request("ST-BRK", "{\"requestId\":\"OH-3-ST-BRK\"}".getBytes(StandardCharsets.UTF_8));

        assertThat(stores.all()).containsOnlyKeys("ST-BRK", "ST-MAN");
        assertThat(stores.all().get("ST-MAN")).extracting(DemoStores.Received::body)
                .containsExactly("{\"requestId\":\"OH-2-ST-MAN\"}", "{\"requestId\":\"OH-1-ST-MAN\"}");
    }
}
