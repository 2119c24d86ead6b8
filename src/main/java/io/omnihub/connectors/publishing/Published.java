package io.omnihub.connectors.publishing;

import io.omnihub.web.HttpAnswer;

import java.util.List;

/**
 * What {@link CanonicalPublisher} did with a canonical message: the ids it published, and whether it had been
 * published before (a redelivery, with no second effect).
 */
public record Published(List<String> ids, boolean duplicate) implements HttpAnswer {

    /** 202 for new, 200 for a message the hub already has. */
    @Override
    public int httpStatus() {
        return duplicate ? 200 : 202;
    }

    /** The answer body for an HTTP caller. */
    @Override
    public String json() {
        StringBuilder b = new StringBuilder("{\"ids\":[");
        for (int i = 0; i < ids.size(); i++) {
            b.append(i == 0 ? "" : ",").append('"').append(ids.get(i).replace("\\", "\\\\").replace("\"", "\\\"")).append('"');
        }
        return b.append("],\"status\":\"").append(duplicate ? "DUPLICATE" : "ACCEPTED").append("\"}").toString();
    }
}
