package io.omnihub.web;

/**
 * What a flow answers an HTTP caller when it succeeds: a status and a JSON body. A webhook flow leaves one as its
 * body and the {@code webhook-order-source} connector writes it as the response, so no route repeats the reply.
 */
public interface HttpAnswer {

    int httpStatus();

    String json();
}
