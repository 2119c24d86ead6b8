package io.omnihub.connectors;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

import java.io.IOException;

/**
 * Webhooks carry JSON. A POST to {@code /webhooks/**} with another content type is answered 415 with a
 * reason, before the HTTP server tries to read it as a form.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 10)
public class WebhookContentTypeFilter extends OncePerRequestFilter {

    @Override
    protected boolean shouldNotFilter(HttpServletRequest request) {
        return !request.getRequestURI().startsWith("/webhooks/") || !"POST".equals(request.getMethod());
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        String type = request.getContentType();
        if (type == null || !type.toLowerCase().startsWith("application/json")) {
            response.setStatus(415);
            response.setContentType("application/json");
            response.getWriter().write("{\"error\":\"INVALID\",\"reason\":\"Content-Type must be application/json, was "
                    + (type == null ? "missing" : type.replace("\"", "'").replace("\\", "")) + "\"}");
            return;
        }
        chain.doFilter(request, response);
    }
}
