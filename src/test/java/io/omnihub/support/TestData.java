package io.omnihub.support;

import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;

import java.util.UUID;

/** Creates items and stock that belong to one test only, so tests sharing the context do not see each other's figures. */
public final class TestData {

    private TestData() {
    }

    /** A new sku unique to the caller, with the given on-hand stock per node (node id, quantity pairs). */
    public static String sku(NamedParameterJdbcTemplate jdbc, Object... nodeAndQuantity) {
        String sku = "T-" + UUID.randomUUID().toString().substring(0, 12).toUpperCase();
        jdbc.update("insert into item (sku, name, unit_price) values (:sku, :name, 10.00)",
                new MapSqlParameterSource("sku", sku).addValue("name", "test item " + sku));
        for (int i = 0; i < nodeAndQuantity.length; i += 2) {
            jdbc.update("insert into stock (node_id, sku, on_hand) values (:node, :sku, :qty)",
                    new MapSqlParameterSource("node", nodeAndQuantity[i]).addValue("sku", sku)
                            .addValue("qty", nodeAndQuantity[i + 1]));
        }
        return sku;
    }
}
