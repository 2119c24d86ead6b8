package io.omnihub.reference;

import jakarta.validation.Valid;
import jakarta.validation.constraints.DecimalMax;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reference data a retailer maintains: fulfillment nodes, items and channels (with the nodes whose stock each
 * channel sells). The demo profile seeds them; in production they are loaded through this API, which writes through
 * {@link ReferenceData}. Stock itself
 * changes only through stock events and the ledger, never here.
 */
@RestController
@RequestMapping("/api")
public class ReferenceDataController {

    static final Set<String> CAPABILITIES = Set.of("SHIP_TO_HOME", "PICKUP_IN_STORE", "CURBSIDE", "SAME_DAY", "SHIP_FROM_STORE");

    /** A fulfillment node. */
    public record NodeDto(
            @NotBlank String name,
            @NotNull @Pattern(regexp = "WAREHOUSE|STORE|DROPSHIP", message = "must be WAREHOUSE, STORE or DROPSHIP") String type,
            @NotNull @DecimalMin("-90") @DecimalMax("90") Double latitude,
            @NotNull @DecimalMin("-180") @DecimalMax("180") Double longitude,
            List<@Pattern(regexp = "SHIP_TO_HOME|PICKUP_IN_STORE|CURBSIDE|SAME_DAY|SHIP_FROM_STORE",
                    message = "must be one of SHIP_TO_HOME, PICKUP_IN_STORE, CURBSIDE, SAME_DAY, SHIP_FROM_STORE") String> capabilities,
            @Min(0) Integer dailyOrderCap,
            @Min(0) Integer safetyStock,
            @DecimalMin("0") BigDecimal costPerOrder,
            Boolean enabled,
            @Pattern(regexp = "NONE|WMS_SFTP|STORE_HTTP|STORE_KAFKA|PARTNER_SFTP",
                    message = "must be NONE, WMS_SFTP, STORE_HTTP, STORE_KAFKA or PARTNER_SFTP") String sink) {
    }

    /** An item. */
    public record ItemDto(@NotBlank String name, @DecimalMin("0") BigDecimal unitPrice) {
    }

    /** A channel and the nodes whose stock it sells. */
    public record ChannelDto(@NotBlank String name, Boolean allowSplit, @NotNull List<@NotBlank String> nodes) {
    }

    private static final String ID = "[A-Za-z0-9][A-Za-z0-9._-]{0,63}";

    private final ReferenceData references;

    public ReferenceDataController(ReferenceData references) {
        this.references = references;
    }

    @GetMapping("/nodes")
    public List<Map<String, Object>> nodes() {
        return references.nodeRows();
    }

    @PutMapping("/nodes/{id}")
    public ResponseEntity<Map<String, Object>> putNode(@PathVariable String id, @Valid @RequestBody NodeDto n) {
        requireId(id);
        references.saveNode(id, new ReferenceData.NodeDefinition(n.name(), n.type(), n.latitude(), n.longitude(),
                n.capabilities() == null ? List.of() : n.capabilities(), n.dailyOrderCap(),
                n.safetyStock() == null ? 0 : n.safetyStock(), n.costPerOrder() == null ? BigDecimal.ZERO : n.costPerOrder(),
                n.enabled() == null || n.enabled(), n.sink() == null ? "NONE" : n.sink()));
        return ResponseEntity.ok(Map.of("id", id, "status", "SAVED"));
    }

    @GetMapping("/items")
    public List<Map<String, Object>> items() {
        return references.itemRows();
    }

    @PutMapping("/items/{sku}")
    public ResponseEntity<Map<String, Object>> putItem(@PathVariable String sku, @Valid @RequestBody ItemDto item) {
        requireId(sku);
        references.saveItem(sku, item.name(), item.unitPrice());
        return ResponseEntity.ok(Map.of("sku", sku, "status", "SAVED"));
    }

    @GetMapping("/channels")
    public List<Map<String, Object>> channels() {
        return references.channelRows();
    }

    @PutMapping("/channels/{id}")
    public ResponseEntity<Map<String, Object>> putChannel(@PathVariable String id, @Valid @RequestBody ChannelDto c) {
        if (!id.matches("[a-z0-9][a-z0-9-]{0,31}")) {
            throw new IllegalArgumentException("channel id must be lower-case letters, digits and dashes: " + id);
        }
        Set<String> missing = references.unknownNodes(c.nodes());
        List<String> unknown = c.nodes().stream().filter(missing::contains).toList();
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException("nodes: unknown node " + String.join(", ", unknown));
        }
        references.saveChannel(id, c.name(), c.allowSplit() == null || c.allowSplit(), c.nodes());
        return ResponseEntity.ok(Map.of("id", id, "status", "SAVED"));
    }

    private static void requireId(String id) {
        if (!id.matches(ID)) {
            throw new IllegalArgumentException("id must be 1-64 letters, digits, dot, dash or underscore: " + id);
        }
    }
}
