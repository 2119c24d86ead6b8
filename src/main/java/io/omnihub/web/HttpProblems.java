package io.omnihub.web;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.omnihub.canonical.ErrorCategory;
import io.omnihub.canonical.RejectedMessageException;
import org.apache.camel.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Turns an exception caught at an HTTP entry point into the answer the caller gets: the status of its
 * {@link ErrorCategory} and a JSON body {@code {"error": category, "reason": ...}}.
 */
@Component("httpProblems")
public class HttpProblems {

    private static final Logger log = LoggerFactory.getLogger(HttpProblems.class);

    private final ObjectMapper mapper;

    public HttpProblems(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    public void answer(Exchange exchange) {
        Exception e = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class);
        ErrorCategory category = categorize(e);
        String reason = reason(e, category);
        if (category.isTransient()) {
            log.warn("{} at {}: {}", category, exchange.getFromRouteId(), e == null ? "" : e.toString());
        }
        ObjectNode body = mapper.createObjectNode().put("error", category.name()).put("reason", reason);
        exchange.getMessage().removeHeaders("*");
        exchange.getMessage().setHeader(Exchange.HTTP_RESPONSE_CODE, category.httpStatus());
        exchange.getMessage().setHeader(Exchange.CONTENT_TYPE, "application/json");
        if (category == ErrorCategory.UNAVAILABLE) {
            exchange.getMessage().setHeader("Retry-After", "5");
        }
        exchange.getMessage().setBody(body.toString());
    }

    private static String reason(Throwable e, ErrorCategory category) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof RejectedMessageException r) {
                return r.reason();
            }
            if (t instanceof com.fasterxml.jackson.core.JsonProcessingException j) {
                return "malformed JSON: " + j.getOriginalMessage()
                        + (j.getLocation() == null ? "" : " at line " + j.getLocation().getLineNr() + ", column " + j.getLocation().getColumnNr());
            }
        }
        return category == ErrorCategory.UNAVAILABLE ? "the hub cannot store the message right now, try again" : "internal error";
    }

    /** The category of an exception: its own when rejected, UNAVAILABLE when a dependency is down. */
    public static ErrorCategory categorize(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof RejectedMessageException r) {
                return r.category();
            }
            if (t instanceof org.springframework.dao.TransientDataAccessException
                    || t instanceof org.springframework.jdbc.CannotGetJdbcConnectionException
                    || t instanceof org.springframework.transaction.CannotCreateTransactionException
                    || t instanceof org.springframework.dao.DataAccessResourceFailureException
                    || t instanceof org.apache.kafka.common.errors.RetriableException
                    || t instanceof java.net.ConnectException) {
                return ErrorCategory.UNAVAILABLE;
            }
            if (t instanceof com.fasterxml.jackson.core.JsonProcessingException) {
                return ErrorCategory.INVALID;
            }
        }
        return ErrorCategory.INTERNAL;
    }
}
