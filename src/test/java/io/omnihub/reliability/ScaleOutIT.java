package io.omnihub.reliability;

import io.omnihub.support.HubProcess;
import io.omnihub.support.Signed;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two hub instances sharing one PostgreSQL, one Kafka and one SFTP server, each its own process: the second
 * starts nothing embedded. Work is shared and nothing happens twice.
 */
class ScaleOutIT {

    static HubProcess first;
    static HubProcess second;
    static NamedParameterJdbcTemplate db;

    @BeforeAll
    static void startTwoInstances() throws Exception {
        first = HubProcess.embedded("scale-a").start();
        second = HubProcess.sharing("scale-b", first).start();
        db = new NamedParameterJdbcTemplate(new DriverManagerDataSource(first.jdbcUrl(), "postgres", "postgres"));
    }

    @AfterAll
    static void stop() throws Exception {
        if (second != null) {
            second.close();
        }
        if (first != null) {
            first.close();
        }
    }

    static String order(String id) {
        return """
                {"id": "%s", "created_at": "2026-11-25T10:15:00Z", "currency": "USD",
                 "shipping_address": {"address1": "1 Main St", "city": "Hoboken", "zip": "07030", "country_code": "US",
                                      "latitude": 40.744, "longitude": -74.032},
                 "line_items": [{"sku": "SKU-1010", "quantity": 1, "price": "10.00"}]}
                """.formatted(id);
    }

    @Test
    void theSameOrderPostedToBothInstancesAtOnceIsStoredOnce() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        List<Future<HttpResponse<String>>> answers = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            String body = order("scale-dup-" + i);
            for (HubProcess hub : List.of(first, second)) {
                answers.add(pool.submit((Callable<HttpResponse<String>>) () ->
                        Signed.storefront(hub.baseUrl() + "/webhooks/web/orders", "web-demo-secret", body)));
            }
        }
        int accepted = 0;
        int duplicates = 0;
        for (Future<HttpResponse<String>> f : answers) {
            int status = f.get().statusCode();
            assertThat(status).isIn(200, 202);
            if (status == 202) {
                accepted++;
            } else {
                duplicates++;
            }
        }
        pool.shutdown();
        assertThat(accepted).as("exactly one instance accepted each order").isEqualTo(40);
        assertThat(duplicates).isEqualTo(40);
        assertThat(db.queryForObject("select count(*) from orders where channel_order_id like 'scale-dup-%'",
                new MapSqlParameterSource(), Integer.class)).isEqualTo(40);
        assertThat(db.queryForObject("select count(*) from outbox where topic = 'omnihub.orders.v1' and msg_key in "
                        + "(select id from orders where channel_order_id like 'scale-dup-%')",
                new MapSqlParameterSource(), Integer.class)).isEqualTo(40);
    }
}
