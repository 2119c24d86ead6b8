package io.omnihub.policy;

import io.omnihub.canonical.NotFoundException;
import io.omnihub.canonical.RejectedMessageException;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;

import java.util.LinkedHashMap;
import java.util.Map;

/** Answers the routing policy API: 400 with every problem's JSON path and reason, 404 for an unknown version or simulation. */
@RestControllerAdvice(assignableTypes = {PolicyApi.class, SimulationApi.class, NodeAuditApi.class})
public class PolicyApiErrors {

    @ExceptionHandler(InvalidPolicyException.class)
    public ResponseEntity<Map<String, Object>> invalid(InvalidPolicyException e) {
        Map<String, Object> b = body(HttpStatus.BAD_REQUEST, e.getMessage());
        b.put("problems", e.problems());
        return ResponseEntity.badRequest().body(b);
    }

    @ExceptionHandler(RejectedMessageException.class)
    public ResponseEntity<Map<String, Object>> rejected(RejectedMessageException e) {
        HttpStatus status = e instanceof NotFoundException ? HttpStatus.NOT_FOUND : HttpStatus.valueOf(e.category().httpStatus());
        return ResponseEntity.status(status).body(body(status, e.reason()));
    }

    @ExceptionHandler(HttpMessageNotReadableException.class)
    public ResponseEntity<Map<String, Object>> unreadable(HttpMessageNotReadableException e) {
        return ResponseEntity.badRequest().body(body(HttpStatus.BAD_REQUEST, "the request body is not valid JSON for this call: "
                + (e.getMostSpecificCause() == null ? "" : e.getMostSpecificCause().getMessage())));
    }

    private static Map<String, Object> body(HttpStatus status, String reason) {
        Map<String, Object> b = new LinkedHashMap<>();
        b.put("status", status.value());
        b.put("error", reason);
        return b;
    }
}
