package io.omnihub.orders;

import io.omnihub.web.HttpAnswer;

/** The answer to an order posted to the hub: accepted now (202) or already accepted before (200). */
public record IntakeResult(String orderId, boolean duplicate) implements HttpAnswer {

    @Override
    public int httpStatus() {
        return duplicate ? 200 : 202;
    }

    @Override
    public String json() {
        return "{\"orderId\":\"" + orderId + "\",\"status\":\"" + (duplicate ? "DUPLICATE" : "ACCEPTED") + "\"}";
    }
}
