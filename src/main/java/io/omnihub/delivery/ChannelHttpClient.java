package io.omnihub.delivery;

import org.apache.camel.component.http.HttpClientConfigurer;
import org.apache.hc.client5.http.impl.classic.HttpClientBuilder;
import org.springframework.stereotype.Component;

/**
 * HTTP client settings of the channel sinks: no automatic retries inside the client (Apache HttpClient 5 would
 * silently resend on 429 and 503), because the delivery dispatcher owns retries, backoff, Retry-After and the
 * circuit breaker, and counts every attempt. No cookie store and no response decompression either: per call work
 * that a channel API never needs. Referenced as {@code #channelHttpClient} by the Kamelets that call a channel with
 * camel-http (the reconciliation's read-back); the delivery sinks use vertx-http, see {@link ChannelWebClients}.
 */
@Component("channelHttpClient")
public class ChannelHttpClient implements HttpClientConfigurer {

    @Override
    public void configureHttpClient(HttpClientBuilder clientBuilder) {
        clientBuilder.disableAutomaticRetries()
                // a channel API is not a browser: no cookies kept between calls, no compressed answers to inflate
                .disableCookieManagement()
                .disableContentCompression();
    }
}
