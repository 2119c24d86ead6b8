package io.omnihub.connectors.publishing;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.omnihub.canonical.ErrorCategory;
import io.omnihub.canonical.RejectedMessageException;
import io.omnihub.canonical.Shipment;
import org.springframework.stereotype.Component;

/**
 * Reads canonical messages from a canonical topic into their records, so a route can pass their fields to a bean
 * ({@code ${body.orderId()}}) without JSON handling of its own.
 */
@Component("canonical")
public class CanonicalReader {

    private final ObjectMapper mapper;

    public CanonicalReader(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    public Shipment shipment(String json) {
        try {
            return mapper.readValue(json, Shipment.class);
        } catch (JsonProcessingException e) {
            throw new RejectedMessageException(ErrorCategory.INVALID, "not a Shipment: " + e.getOriginalMessage());
        }
    }
}
