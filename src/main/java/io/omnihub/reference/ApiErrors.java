package io.omnihub.reference;

import io.omnihub.canonical.RejectedMessageException;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.web.bind.MethodArgumentNotValidException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;

import java.util.Map;
import java.util.stream.Collectors;

/** The admin API's answer to bad requests: a 4xx with a reason that names the field, never a stack trace. */
@RestControllerAdvice
public class ApiErrors {

    @ExceptionHandler(MethodArgumentNotValidException.class)
    public ResponseEntity<Map<String, String>> invalid(MethodArgumentNotValidException e) {
        String reason = e.getBindingResult().getFieldErrors().stream()
                .map(f -> f.getField() + ": " + f.getDefaultMessage())
                .sorted()
                .collect(Collectors.joining("; "));
        return ResponseEntity.badRequest().body(Map.of("error", "INVALID", "reason", reason));
    }

    @ExceptionHandler(org.springframework.web.method.annotation.HandlerMethodValidationException.class)
    public ResponseEntity<Map<String, String>> invalidParameters(org.springframework.web.method.annotation.HandlerMethodValidationException e) {
        String reason = e.getAllErrors().stream()
                .map(err -> err instanceof org.springframework.validation.FieldError f
                        ? f.getField() + ": " + f.getDefaultMessage() : String.valueOf(err.getDefaultMessage()))
                .sorted()
                .collect(Collectors.joining("; "));
        return ResponseEntity.badRequest().body(Map.of("error", "INVALID", "reason", reason));
    }

    @ExceptionHandler(HttpMessageNotReadableException.class)
    public ResponseEntity<Map<String, String>> unreadable(HttpMessageNotReadableException e) {
        String detail = e.getMostSpecificCause().getMessage();
        return ResponseEntity.badRequest().body(Map.of("error", "INVALID",
                "reason", "malformed request body: " + (detail == null ? "" : detail.split("\n")[0])));
    }

    @ExceptionHandler(IllegalArgumentException.class)
    public ResponseEntity<Map<String, String>> badArgument(IllegalArgumentException e) {
        return ResponseEntity.badRequest().body(Map.of("error", "INVALID", "reason", String.valueOf(e.getMessage())));
    }

    @ExceptionHandler(RejectedMessageException.class)
    public ResponseEntity<Map<String, String>> rejected(RejectedMessageException e) {
        return ResponseEntity.status(e.category().httpStatus()).body(Map.of("error", e.category().name(), "reason", e.reason()));
    }

    @ExceptionHandler(DataIntegrityViolationException.class)
    public ResponseEntity<Map<String, String>> conflict(DataIntegrityViolationException e) {
        String detail = e.getMostSpecificCause().getMessage();
        return ResponseEntity.status(HttpStatus.CONFLICT).body(Map.of("error", "CONFLICT",
                "reason", detail == null ? "conflicts with existing data" : detail.split("\n")[0]));
    }
}
