package io.omnihub.reference;

import io.omnihub.canonical.ErrorCategory;
import io.omnihub.canonical.NodeSink;
import io.omnihub.canonical.RejectedMessageException;
import org.springframework.stereotype.Component;

/** Route node-sink's step that picks the route of a node's sink (routes/node-sinks.yaml). */
@Component("nodeSinks")
public class NodeSinks {

    /** The endpoint of the route of sink {@code sink} (a {@link NodeSink} name); a node without one is a permanent error. */
    public String route(String nodeId, String sink) {
        NodeSink s = NodeSink.of(sink);
        if (s == null) {
            throw new RejectedMessageException(ErrorCategory.UNKNOWN_REFERENCE,
                    "node " + nodeId + " has no sink (sink " + (sink == null ? "" : sink) + ")");
        }
        return s.route();
    }
}
