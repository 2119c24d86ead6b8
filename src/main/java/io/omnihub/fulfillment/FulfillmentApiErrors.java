package io.omnihub.fulfillment;

import io.omnihub.canonical.NotFoundException;
import io.omnihub.canonical.RejectedMessageException;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;

import java.util.LinkedHashMap;
import java.util.Map;

/** Answers the orders and holds API with a status and a readable reason. */
@RestControllerAdvice(assignableTypes = {OrdersApi.class, HoldsApi.class})
public class FulfillmentApiErrors {

    @ExceptionHandler(RejectedMessageException.class)
    public ResponseEntity<Map<String, Object>> rejected(RejectedMessageException e) {
        HttpStatus status = e instanceof NotFoundException ? HttpStatus.NOT_FOUND : HttpStatus.valueOf(e.category().httpStatus());
        return body(status, e.reason(), null);
    }

    @ExceptionHandler(Holds.NotAvailableException.class)
    public ResponseEntity<Map<String, Object>> notAvailable(Holds.NotAvailableException e) {
        return body(HttpStatus.CONFLICT, e.getMessage(), e.decision());
    }

    @ExceptionHandler(IllegalStateException.class)
    public ResponseEntity<Map<String, Object>> conflict(IllegalStateException e) {
        return body(HttpStatus.CONFLICT, e.getMessage(), null);
    }

    @ExceptionHandler(HttpMessageNotReadableException.class)
    public ResponseEntity<Map<String, Object>> unreadable(HttpMessageNotReadableException e) {
        return body(HttpStatus.BAD_REQUEST, "the request body is not valid JSON for this call", null);
    }

    private static ResponseEntity<Map<String, Object>> body(HttpStatus status, String reason, Object decision) {
        Map<String, Object> b = new LinkedHashMap<>();
        b.put("status", status.value());
        b.put("error", reason);
        if (decision != null) {
            b.put("decision", decision);
        }
        return ResponseEntity.status(status).body(b);
    }
}
