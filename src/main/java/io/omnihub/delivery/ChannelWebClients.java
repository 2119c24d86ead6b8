package io.omnihub.delivery;

import io.omnihub.channels.ChannelSink;
import io.omnihub.channels.ChannelsProperties;
import io.vertx.ext.web.client.WebClientOptions;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Connection settings of the channel sinks' HTTP calls (the vertx-http endpoints of channel-webhook-sink and
 * marketplace-stock-sink, as {@code #channelWebClientOptions}): connections kept alive between calls, as many per
 * channel endpoint as all channels may have in flight together (channels that share a sink route share its pool,
 * so a slow one must not take the others' connections), 10 s to connect (how long a channel has to answer is the
 * sink Kamelet's {@code timeoutMillis}), no redirects followed, no compression asked for (a channel
 * API answers a few bytes), and no retries inside the client: the delivery pump owns retries, backoff, Retry-After
 * and the circuit breaker, and counts every attempt.
 */
@Configuration(proxyBeanMethods = false)
public class ChannelWebClients {

    @Bean
    public WebClientOptions channelWebClientOptions(ChannelsProperties channels) {
        int inFlight = channels.sinks().values().stream().mapToInt(ChannelSink::maxConcurrency).sum();
        WebClientOptions options = new WebClientOptions()
                .setKeepAlive(true)
                .setMaxPoolSize(Math.max(8, inFlight))
                .setConnectTimeout(10_000)
                .setFollowRedirects(false)
                .setTryUseCompression(false)
                .setUserAgent("omnihub");
        // an idle connection is closed after a minute, before a channel's load balancer drops it silently
        options.setIdleTimeout(60);
        return options;
    }
}
