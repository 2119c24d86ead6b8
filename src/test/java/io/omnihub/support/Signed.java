package io.omnihub.support;

import io.omnihub.connectors.webhook.WebhookSignatures;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;

/** Posts webhooks the way a channel does: raw JSON body, signed. */
public final class Signed {

    private static final HttpClient http = HttpClient.newHttpClient();

    private Signed() {
    }

    /** POSTs {@code body} signed with the storefront HMAC scheme; returns the response. */
    public static HttpResponse<String> storefront(String url, String secret, String body) {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        return post(HttpRequest.newBuilder(URI.create(url))
                .header("Content-Type", "application/json")
                .header("X-Storefront-Hmac-Sha256", WebhookSignatures.storefrontHmac(secret, bytes))
                .POST(HttpRequest.BodyPublishers.ofByteArray(bytes)).build());
    }

    public static HttpResponse<String> post(HttpRequest request) {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
