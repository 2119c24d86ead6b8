package io.omnihub.connectors.webhook;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangePattern;
import org.apache.camel.Processor;
import org.apache.camel.component.platform.http.PlatformHttpEndpoint;
import org.apache.camel.component.platform.http.spi.PlatformHttpConsumer;
import org.apache.camel.component.platform.http.spi.PlatformHttpEngine;
import org.apache.camel.component.platform.http.springboot.PlatformHttpMessage;
import org.apache.camel.component.platform.http.springboot.SpringBootPlatformHttpBinding;
import org.apache.camel.component.platform.http.springboot.SpringBootPlatformHttpConstants;
import org.apache.camel.component.platform.http.springboot.SpringBootPlatformHttpConsumer;
import org.apache.camel.http.common.HttpHelper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

import java.util.concurrent.CompletableFuture;

/**
 * Camel's {@code platform-http} on the hub's Spring MVC, with the route run asynchronously: the webhook connector's
 * endpoints ({@code POST /webhooks/{channel}/{resource}}) are served by this engine instead of Camel's Spring Boot
 * one. Camel's consumer hands each request to a task executor thread and runs the route there with
 * {@code Processor.process}, so that thread waits, idle, while the order intake's group commit holds the order; a
 * few hundred concurrent channel connections needed a few hundred such threads. Here the route starts on the
 * request's own thread (signature check, mapping, validation) and, where a step completes later (the intake's
 * commit), the request thread goes back to the server at once: the step's callback writes the response and
 * completes the asynchronous request. A request that the route answers at once (a refused signature, a bad body)
 * is written before the handler returns, as before.
 * <p>
 * The exchange is set up as Camel's consumer sets it up (binding, message, context path, unit of work) and the
 * response written by that consumer's own {@code afterProcess}; only who waits changed. Camel's cookie handler
 * ({@code useCookieHandler}) is not offered: a webhook has no session.
 */
@Component("platform-http-engine")
public class WebhookHttpEngine implements PlatformHttpEngine {

    private final int port;

    public WebhookHttpEngine(@Value("${server.port:8080}") int port) {
        this.port = port;
    }

    @Override
    public PlatformHttpConsumer createConsumer(PlatformHttpEndpoint endpoint, Processor processor) {
        return new AsyncConsumer(endpoint, processor);
    }

    @Override
    public int getServerPort() {
        return port;
    }

    /** Runs the route with the asynchronous routing engine and answers the request when the route is done. */
    static final class AsyncConsumer extends SpringBootPlatformHttpConsumer {

        private static final Logger log = LoggerFactory.getLogger(AsyncConsumer.class);

        private final SpringBootPlatformHttpBinding binding = new SpringBootPlatformHttpBinding();

        AsyncConsumer(PlatformHttpEndpoint endpoint, Processor processor) {
            // the executor Camel's consumer would hand each request to is never used: the route runs on the request's thread
            super(endpoint, processor, Runnable::run);
            binding.setHeaderFilterStrategy(endpoint.getHeaderFilterStrategy());
            binding.setMuteException(endpoint.isMuteException());
            binding.setFileNameExtWhitelist(endpoint.getFileNameExtWhitelist());
            binding.setUseReaderForPayload(!endpoint.isUseStreaming());
        }

        /**
         * Called by Spring MVC for every request mapped to this endpoint; Spring completes the request when the
         * returned future completes (an asynchronous request in the servlet container).
         */
        @Override
        public CompletableFuture<Void> service(HttpServletRequest request, HttpServletResponse response) {
            CompletableFuture<Void> served = new CompletableFuture<>();
            Exchange exchange;
            try {
                if (isSuspended()) {
                    response.sendError(HttpServletResponse.SC_SERVICE_UNAVAILABLE);
                    served.complete(null);
                    return served;
                }
                exchange = prepared(request, response);
            } catch (Exception e) {
                failed(response, e);
                served.complete(null);
                return served;
            }
            try {
                getAsyncProcessor().process(exchange, doneSync -> answer(exchange, response, served));
            } catch (Throwable e) {
                // an async processor reports failures through the exchange; one that throws still gets its answer
                exchange.setException(e);
                answer(exchange, response, served);
            }
            return served;
        }

        private Exchange prepared(HttpServletRequest request, HttpServletResponse response) throws Exception {
            Exchange exchange = createExchange(true);
            exchange.setPattern(ExchangePattern.InOut);
            HttpHelper.setCharsetFromContentType(request.getContentType(), exchange);
            PlatformHttpMessage message = new PlatformHttpMessage(request, response, exchange, binding, false);
            exchange.setIn(message);
            message.init(exchange, binding, request, response);
            String contextPath = getEndpoint().getPath();
            exchange.getIn().setHeader(SpringBootPlatformHttpConstants.CONTEXT_PATH, contextPath);
            createUoW(exchange);
            return exchange;
        }

        /** Writes the route's answer (Camel's consumer's own response writing), then completes the request. */
        private void answer(Exchange exchange, HttpServletResponse response, CompletableFuture<Void> served) {
            if (served.isDone()) {
                return;
            }
            try {
                afterProcess(response, exchange);
            } catch (Exception e) {
                failed(response, e);
            } finally {
                served.complete(null);
            }
        }

        private static void failed(HttpServletResponse response, Exception e) {
            log.warn("Error handling a webhook request: {}", e.getMessage(), e);
            try {
                if (!response.isCommitted()) {
                    response.sendError(HttpServletResponse.SC_INTERNAL_SERVER_ERROR);
                }
            } catch (Exception ignored) {
                // the client is gone
            }
        }
    }
}
