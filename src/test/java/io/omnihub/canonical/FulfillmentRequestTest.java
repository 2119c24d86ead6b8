package io.omnihub.canonical;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** A fulfillment request's JSON: the fields it always had, and the same request when read back. */
class FulfillmentRequestTest {

    private final ObjectMapper mapper = new ObjectMapper().registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS).setSerializationInclusion(JsonInclude.Include.NON_NULL);

    @Test
    void shouldWriteTheFieldsNodesReadAndReadThemBack() throws Exception {
        FulfillmentRequest request = new FulfillmentRequest("O-1-WH-NJ1-1", "O-1", "web", "1001", "WH-NJ1", "WMS_SFTP",
                FulfillmentType.SHIP_TO_HOME, null, new Customer("c1", "a@example.com", "Ann"),
                new Address("Ann", "1 Main St", null, "Newark", "NJ", "07102", "US", 40.7, -74.2),
                List.of(new FulfillmentRequest.Line(1, "SKU-1", 2)), Instant.parse("2026-11-26T23:00:00.123Z"));

        String json = mapper.writeValueAsString(request);
        JsonNode tree = mapper.readTree(json);

        assertThat(tree.fieldNames()).toIterable().containsExactly("requestId", "orderId", "channel", "channelOrderId",
                "nodeId", "sink", "fulfillmentType", "customer", "shipTo", "lines", "requestedAt");
        assertThat(tree.get("lines").get(0).toString()).isEqualTo("{\"lineNo\":1,\"sku\":\"SKU-1\",\"quantity\":2}");
        assertThat(tree.get("requestedAt").asText()).isEqualTo("2026-11-26T23:00:00.123Z");
        assertThat(tree.get("fulfillmentType").asText()).isEqualTo("SHIP_TO_HOME");
        assertThat(mapper.readValue(json, FulfillmentRequest.class)).isEqualTo(request);
    }
}
