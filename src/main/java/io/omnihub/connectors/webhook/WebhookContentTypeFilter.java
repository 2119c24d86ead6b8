package io.omnihub.connectors.webhook;

import io.omnihub.canonical.Utf8;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;

/**
 * The HTTP edge of every webhook: a POST to {@code /webhooks/**} must carry JSON ({@code 415} otherwise), no more
 * than {@code omnihub.intake.max-body-bytes} ({@code 413}), in valid UTF-8 ({@code 400}). Each is refused with a
 * reason before the HTTP server tries to read it as a form or decode it; the body is then handed on as the exact
 * bytes received, so the signature check sees the raw body.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 10)
public class WebhookContentTypeFilter extends OncePerRequestFilter {

    private final long maxBodyBytes;

    public WebhookContentTypeFilter(@Value("${omnihub.intake.max-body-bytes:1048576}") long maxBodyBytes) {
        this.maxBodyBytes = maxBodyBytes;
    }

    @Override
    protected boolean shouldNotFilter(HttpServletRequest request) {
        return !request.getRequestURI().startsWith("/webhooks/") || !"POST".equals(request.getMethod());
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        String type = request.getContentType();
        if (type == null || !type.toLowerCase().startsWith("application/json")) {
            refuse(response, 415, "Content-Type must be application/json, was " + (type == null ? "missing" : type));
            return;
        }
        if (request.getContentLengthLong() > maxBodyBytes) {
            refuse(response, 413, "body of " + request.getContentLengthLong() + " bytes is over the limit of " + maxBodyBytes + " bytes");
            return;
        }
        byte[] body = readAtMost(request.getInputStream(), maxBodyBytes + 1);
        if (body.length > maxBodyBytes) {
            refuse(response, 413, "body is over the limit of " + maxBodyBytes + " bytes");
            return;
        }
        try {
            Utf8.decode(body);
        } catch (io.omnihub.canonical.RejectedMessageException e) {
            refuse(response, 400, e.reason());
            return;
        }
        chain.doFilter(new RawBody(request, body), response);
    }

    private static byte[] readAtMost(InputStream in, long limit) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buffer = new byte[8192];
        int n;
        while (out.size() < limit && (n = in.read(buffer, 0, (int) Math.min(buffer.length, limit - out.size()))) > 0) {
            out.write(buffer, 0, n);
        }
        return out.toByteArray();
    }

    private static void refuse(HttpServletResponse response, int status, String reason) throws IOException {
        response.setStatus(status);
        response.setContentType("application/json");
        String error = status == 400 || status == 415 ? "INVALID" : "TOO_LARGE";
        response.getWriter().write("{\"error\":\"" + error + "\",\"reason\":\""
                + reason.replace("\\", "").replace("\"", "'") + "\"}");
    }

    /** The request with its body already read: served again, byte for byte, as UTF-8. */
    static final class RawBody extends HttpServletRequestWrapper {

        private final byte[] body;

        RawBody(HttpServletRequest request, byte[] body) {
            super(request);
            this.body = body;
        }

        @Override
        public ServletInputStream getInputStream() {
            ByteArrayInputStream in = new ByteArrayInputStream(body);
            return new ServletInputStream() {
                @Override
                public boolean isFinished() {
                    return in.available() == 0;
                }

                @Override
                public boolean isReady() {
                    return true;
                }

                @Override
                public void setReadListener(ReadListener listener) {
                    throw new UnsupportedOperationException("the body is already read");
                }

                @Override
                public int read() {
                    return in.read();
                }

                @Override
                public int read(byte[] b, int off, int len) {
                    return in.read(b, off, len);
                }
            };
        }

        @Override
        public BufferedReader getReader() {
            return new BufferedReader(new InputStreamReader(new ByteArrayInputStream(body), StandardCharsets.UTF_8));
        }

        @Override
        public int getContentLength() {
            return body.length;
        }

        @Override
        public long getContentLengthLong() {
            return body.length;
        }

        @Override
        public String getCharacterEncoding() {
            return StandardCharsets.UTF_8.name();
        }
    }
}
