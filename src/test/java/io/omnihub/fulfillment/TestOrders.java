package io.omnihub.fulfillment;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.omnihub.canonical.Address;
import io.omnihub.canonical.CanonicalOrder;
import io.omnihub.canonical.FulfillmentType;
import io.omnihub.canonical.OrderLine;
import io.omnihub.canonical.OrderIds;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.jdbc.core.namedparam.SqlParameterSource;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/** Many one-line orders stored as RECEIVED in one go, for load tests and benchmarks. */
public final class TestOrders {

    private TestOrders() {
    }

    /** Stores RECEIVED orders the way intake does (without publishing them), returns their ids. */
    public static List<String> received(NamedParameterJdbcTemplate jdbc, ObjectMapper mapper, String channel, int n,
                                       java.util.function.IntFunction<String> skuOf) {
        List<String> ids = new ArrayList<>();
        List<SqlParameterSource> orders = new ArrayList<>();
        List<SqlParameterSource> lines = new ArrayList<>();
        Address midtown = new Address("Ada", "350 5th Ave", null, "New York", "NY", "10118", "US", 40.7484, -73.9857);
        for (int i = 0; i < n; i++) {
            String cid = "load-" + UUID.randomUUID();
            String id = OrderIds.of(channel, cid);
            String sku = skuOf.apply(i);
            CanonicalOrder o = new CanonicalOrder(id, channel, cid, Instant.now(), null, midtown, FulfillmentType.SHIP_TO_HOME,
                    null, List.of(new OrderLine(1, sku, 1, BigDecimal.TEN)), "USD");
            try {
                orders.add(new MapSqlParameterSource("id", id).addValue("channel", channel).addValue("cid", cid)
                        .addValue("payload", mapper.writeValueAsString(o)));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            lines.add(new MapSqlParameterSource("id", id).addValue("sku", sku));
            ids.add(id);
        }
        jdbc.batchUpdate("insert into orders (id, channel, channel_order_id, status, fulfillment_type, placed_at, payload) "
                + "values (:id, :channel, :cid, 'RECEIVED', 'SHIP_TO_HOME', now(), cast(:payload as jsonb))", orders.toArray(SqlParameterSource[]::new));
        jdbc.batchUpdate("insert into order_line (order_id, line_no, sku, quantity) values (:id, 1, :sku, 1)",
                lines.toArray(SqlParameterSource[]::new));
        return ids;
    }

}
