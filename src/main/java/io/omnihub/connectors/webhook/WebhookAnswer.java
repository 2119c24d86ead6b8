package io.omnihub.connectors.webhook;

import io.omnihub.web.HttpAnswer;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.springframework.stereotype.Component;

/**
 * The last step of the {@code webhook-order-source} connector: writes the flow's answer as the response when the
 * flow left one ({@link HttpAnswer}: 202 or 200 and its JSON); a refusal answered by the error handling is left as it
 * is. A plain processor, not a bean call: for orders it runs on the group commit's answering thread, once per request.
 */
@Component("webhookAnswer")
public class WebhookAnswer implements Processor {

    @Override
    public void process(Exchange exchange) {
        if (exchange.getMessage().getBody() instanceof HttpAnswer answer) {
            exchange.getMessage().setHeader(Exchange.HTTP_RESPONSE_CODE, answer.httpStatus());
            exchange.getMessage().setHeader(Exchange.CONTENT_TYPE, "application/json");
            exchange.getMessage().setBody(answer.json());
        }
    }
}
