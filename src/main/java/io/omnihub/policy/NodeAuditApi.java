package io.omnihub.policy;

import org.springframework.format.annotation.DateTimeFormat;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@code GET /api/routing/audit?from=&to=}: every node's figures over the window (default: the last 24 hours), with alerts. */
@RestController
@RequestMapping("/api/routing/audit")
public class NodeAuditApi {

    private final NodeAudit audit;

    public NodeAuditApi(NodeAudit audit) {
        this.audit = audit;
    }

    @GetMapping
    public Map<String, Object> audit(@RequestParam(required = false) @DateTimeFormat(iso = DateTimeFormat.ISO.DATE_TIME) Instant from,
                                     @RequestParam(required = false) @DateTimeFormat(iso = DateTimeFormat.ISO.DATE_TIME) Instant to) {
        Instant end = to == null ? Instant.now() : to;
        Instant start = from == null ? end.minus(Duration.ofHours(24)) : from;
        if (!end.isAfter(start)) {
            throw new io.omnihub.canonical.RejectedMessageException(io.omnihub.canonical.ErrorCategory.INVALID, "to: must be after from");
        }
        List<NodeAudit.NodeFigures> nodes = audit.audit(start, end);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("from", start);
        body.put("to", end);
        body.put("thresholds", NodeAudit.thresholds(audit.settings()));
        body.put("alert", nodes.stream().anyMatch(n -> !n.alerts().isEmpty()));
        body.put("nodes", nodes);
        return body;
    }
}
