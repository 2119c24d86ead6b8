package io.omnihub.runtime;

import io.omnihub.inventory.StockLedger;
import io.omnihub.reference.ReferenceData;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.InitializingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.DependsOn;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

import java.math.BigDecimal;
import java.util.List;

/**
 * Demo reference data for the embedded default: a warehouse, three stores a few miles apart in New York, a
 * drop-ship partner, 36 skus with stock, and the channels web, marketplace and pos. Loaded once, into an
 * empty database, and only where {@code omnihub.demo.enabled} is true (not in the prod profile).
 */
@Component
@DependsOn("flywayInitializer")
@ConditionalOnProperty(name = "omnihub.demo.enabled", havingValue = "true")
public class DemoData implements InitializingBean {

    private static final Logger log = LoggerFactory.getLogger(DemoData.class);

    record Node(String id, String name, String type, double lat, double lon, String capabilities, Integer cap,
                int safetyStock, String cost, String sink) {
    }

    static final List<Node> NODES = List.of(
            new Node("WH-NJ1", "Secaucus distribution center", "WAREHOUSE", 40.7895, -74.0565,
                    "SHIP_TO_HOME", null, 0, "4.50", "WMS_SFTP"),
            new Node("ST-MAN", "Manhattan, 5th Avenue", "STORE", 40.7549, -73.9840,
                    "SHIP_TO_HOME,PICKUP_IN_STORE,CURBSIDE,SAME_DAY,SHIP_FROM_STORE", 200, 2, "7.00", "STORE_HTTP"),
            new Node("ST-BRK", "Brooklyn Heights", "STORE", 40.6959, -73.9956,
                    "SHIP_TO_HOME,PICKUP_IN_STORE,CURBSIDE,SAME_DAY,SHIP_FROM_STORE", 150, 2, "7.00", "STORE_HTTP"),
            new Node("ST-LIC", "Long Island City", "STORE", 40.7447, -73.9485,
                    "SHIP_TO_HOME,PICKUP_IN_STORE,SAME_DAY,SHIP_FROM_STORE", 100, 1, "6.50", "STORE_KAFKA"),
            new Node("DS-ACME", "Acme drop-ship partner", "DROPSHIP", 41.8781, -87.6298,
                    "SHIP_TO_HOME", null, 0, "9.00", "PARTNER_SFTP"));

    static final List<String> PRODUCTS = List.of(
            "Trail runner", "Rain shell", "Merino crew", "Canvas tote", "Day pack", "Insulated bottle",
            "Fleece hoodie", "Wool beanie", "Hiking sock 3-pack");
    static final List<String> VARIANTS = List.of("S", "M", "L", "XL");

    private final TransactionTemplate tx;
    private final ReferenceData references;
    private final StockLedger ledger;

    public DemoData(TransactionTemplate tx, ReferenceData references, StockLedger ledger) {
        this.ledger = ledger;
        this.tx = tx;
        this.references = references;
    }

    @Override
    public void afterPropertiesSet() {
        if (references.nodeCount() > 0) {
            return;
        }
        tx.executeWithoutResult(status -> seed());
        log.info("Seeded demo data: {} nodes, {} skus, channels web, marketplace, pos", NODES.size(),
                PRODUCTS.size() * VARIANTS.size());
    }

    private void seed() {
        for (Node n : NODES) {
            references.saveNode(n.id(), new ReferenceData.NodeDefinition(n.name(), n.type(), n.lat(), n.lon(),
                    List.of(n.capabilities().split(",")), n.cap(), n.safetyStock(), new BigDecimal(n.cost()), true, n.sink()));
        }
        int i = 0;
        for (String product : PRODUCTS) {
            for (String variant : VARIANTS) {
                i++;
                String sku = String.format("SKU-%04d", 1000 + i);
                references.saveItem(sku, product + " " + variant, new BigDecimal(19 + (i % 7) * 10).add(new BigDecimal("0.99")));
                stock("WH-NJ1", sku, i % 9 == 0 ? 0 : 40 + (i * 7) % 30);
                stock("ST-MAN", sku, (i * 3) % 8);
                stock("ST-BRK", sku, (i * 5) % 7);
                stock("ST-LIC", sku, (i * 2) % 6);
                if (i > 24) {
                    stock("DS-ACME", sku, 100);
                }
            }
        }
        channel("web", "Web storefront", true, List.of("WH-NJ1", "ST-MAN", "ST-BRK", "ST-LIC", "DS-ACME"));
        channel("marketplace", "Marketplace", false, List.of("WH-NJ1", "DS-ACME"));
        channel("pos", "Stores (point of sale)", false, List.of("ST-MAN", "ST-BRK", "ST-LIC"));
    }

    private void stock(String node, String sku, int onHand) {
        ledger.openingBalance(node, sku, onHand, "demo seed");
    }

    private void channel(String id, String name, boolean allowSplit, List<String> nodes) {
        references.saveChannel(id, name, allowSplit, nodes);
    }
}
