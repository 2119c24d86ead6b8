package io.omnihub.bench;

import io.omnihub.support.HubIntegrationTest;
import io.omnihub.support.Signed;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.ApplicationContext;
import org.springframework.security.web.SecurityFilterChain;

import java.net.URI;
import java.net.http.HttpRequest;
import java.util.Base64;

import static org.assertj.core.api.Assertions.assertThat;

/** The benchmark's echo endpoint and its security rules exist only under the bench profile: the normal hub has neither. */
class BenchProfileIT extends HubIntegrationTest {

    @Autowired
    ApplicationContext context;

    @Test
    void shouldHaveNoEchoEndpointOrMetricsAccessWithoutTheBenchProfile() {
        assertThat(context.getBeansOfType(BenchEchoController.class)).isEmpty();
        assertThat(context.getBeansOfType(SecurityFilterChain.class)).doesNotContainKey("benchSecurityFilterChain");

        int echo = Signed.post(HttpRequest.newBuilder(URI.create(baseUrl() + "/bench/echo"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{}")).build()).statusCode();
        assertThat(echo).isIn(401, 403, 404);

        String operator = "Basic " + Base64.getEncoder().encodeToString("operator:operator".getBytes());
        int metrics = Signed.post(HttpRequest.newBuilder(URI.create(baseUrl() + "/actuator/metrics/jvm.memory.used"))
                .header("Authorization", operator).GET().build()).statusCode();
        assertThat(metrics).isEqualTo(403);
    }
}
