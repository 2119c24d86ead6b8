package io.omnihub.delivery;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.extension.ResponseDefinitionTransformerV2;
import com.github.tomakehurst.wiremock.http.QueryParameter;
import com.github.tomakehurst.wiremock.http.Request;
import com.github.tomakehurst.wiremock.http.RequestMethod;
import com.github.tomakehurst.wiremock.http.ResponseDefinition;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;

import java.io.IOException;
import java.util.Collection;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The marketplace's stock as it shows it, kept by the channel stub ({@link ChannelStubs}): every figure it accepts
 * (a PUT inventory/{sku} answered 2xx) is applied, and {@code GET /marketplace/inventory?limit=N&cursor=C} answers
 * a page of them in sku order ({@code {"items": [{"sku", "available"}], "next": last sku or null}}), as the hub's
 * read-back expects. Tests change figures behind the hub's back ({@link #set}), make the marketplace acknowledge
 * figures it does not apply ({@link #ignore}), and rate-limit the read-back ({@link #rateLimit}).
 */
public final class MarketplaceInventory implements ResponseDefinitionTransformerV2 {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String FIGURE_PATH = "/marketplace/inventory/";
    private static final NavigableMap<String, Integer> figures = new ConcurrentSkipListMap<>();
    private static final Set<String> ignored = ConcurrentHashMap.newKeySet();
    private static final AtomicInteger reads = new AtomicInteger();
    private static volatile int limitEvery;
    private static volatile int retryAfterSeconds;

    /** The figure the marketplace shows for {@code sku}, or null. */
    public static Integer figure(String sku) {
        return figures.get(sku);
    }

    /** Changes figures at the marketplace, behind the hub's back. */
    public static void set(Map<String, Integer> changed) {
        figures.putAll(changed);
    }

    /** From now on the marketplace acknowledges figures for these skus without applying them. */
    public static void ignore(Collection<String> skus) {
        ignored.addAll(skus);
    }

    /** ... and applies them again. */
    public static void apply(Collection<String> skus) {
        ignored.removeAll(skus);
    }

    /** Every {@code every}-th read-back request is answered 429 with Retry-After; 0 turns the limit off. */
    public static void rateLimit(int every, int retryAfter) {
        retryAfterSeconds = retryAfter;
        limitEvery = every;
        reads.set(0);
    }

    @Override
    public String getName() {
        return "marketplace-inventory";
    }

    @Override
    public boolean applyGlobally() {
        // figures are applied whichever stub answered them (tests add their own, for outages)
        return true;
    }

    @Override
    public ResponseDefinition transform(ServeEvent event) {
        Request request = event.getRequest();
        ResponseDefinition answer = event.getResponseDefinition();
        boolean accepted = answer.getFault() == null && answer.getStatus() / 100 == 2;
        String path = request.getUrl().split("\\?", 2)[0];
        if (RequestMethod.PUT.equals(request.getMethod()) && path.startsWith(FIGURE_PATH) && accepted) {
            String sku = path.substring(FIGURE_PATH.length());
            if (!ignored.contains(sku)) {
                try {
                    JsonNode figure = JSON.readTree(request.getBodyAsString());
                    if (figure.path("available").isNumber()) {
                        figures.put(sku, figure.path("available").asInt());
                    }
                } catch (IOException notJson) {
                    // nothing to apply
                }
            }
            return answer;
        }
        if (RequestMethod.GET.equals(request.getMethod()) && path.equals("/marketplace/inventory") && accepted) {
            int every = limitEvery;
            if (every > 0 && reads.incrementAndGet() % every == 0) {
                return new ResponseDefinitionBuilder().withStatus(429).withHeader("Retry-After", Integer.toString(retryAfterSeconds))
                        .withBody("{\"error\":\"slow down\"}").build();
            }
            return new ResponseDefinitionBuilder().withStatus(200).withHeader("Content-Type", "application/json")
                    .withBody(page(value(request, "cursor"), value(request, "limit"))).build();
        }
        return answer;
    }

    private static String value(Request request, String name) {
        QueryParameter p = request.queryParameter(name);
        return p != null && p.isPresent() && !p.values().isEmpty() ? p.firstValue() : "";
    }

    private static String page(String cursor, String limitText) {
        int limit = limitText.isEmpty() ? 100 : Integer.parseInt(limitText);
        ObjectNode page = JSON.createObjectNode();
        ArrayNode items = page.putArray("items");
        String last = null;
        for (Map.Entry<String, Integer> e : (cursor.isEmpty() ? figures : figures.tailMap(cursor, false)).entrySet()) {
            if (items.size() >= limit) {
                break;
            }
            items.addObject().put("sku", e.getKey()).put("available", e.getValue());
            last = e.getKey();
        }
        if (last != null && figures.higherKey(last) != null) {
            page.put("next", last);
        } else {
            page.putNull("next");
        }
        return page.toString();
    }
}
