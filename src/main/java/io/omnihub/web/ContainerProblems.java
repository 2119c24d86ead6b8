package io.omnihub.web;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.omnihub.canonical.ErrorCategory;
import org.apache.catalina.Valve;
import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.core.StandardHost;
import org.apache.catalina.valves.ErrorReportValve;
import org.springframework.boot.web.embedded.tomcat.TomcatServletWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.stereotype.Component;

import java.io.IOException;
import java.io.Writer;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Requests that Tomcat refuses before they reach the hub (an encoded slash in the path, a URI that does not
 * normalise) are answered like every other refusal, {@code {"error": category, "reason": ...}} in JSON with
 * Tomcat's own reason, instead of an HTML page that names nothing. Errors the hub answers itself have a body
 * already and are left alone.
 */
@Component
public class ContainerProblems implements WebServerFactoryCustomizer<TomcatServletWebServerFactory> {

    @Override
    public void customize(TomcatServletWebServerFactory factory) {
        factory.addContextCustomizers(context -> {
            StandardHost host = (StandardHost) context.getParent();
            // the only error report valve: an HTML one already there (Spring Boot's, without stack traces) goes, and
            // the host adds none of its own when it finds one of this class
            for (Valve valve : host.getPipeline().getValves()) {
                if (valve instanceof ErrorReportValve) {
                    host.getPipeline().removeValve(valve);
                }
            }
            host.setErrorReportValveClass(JsonReportValve.class.getName());
            host.getPipeline().addValve(new JsonReportValve());
        });
    }

    /** Writes the hub's JSON problem body for an error response that has no body yet. */
    public static class JsonReportValve extends ErrorReportValve {

        private static final ObjectMapper MAPPER = new ObjectMapper();

        @Override
        protected void report(Request request, Response response, Throwable throwable) {
            int status = response.getStatus();
            if (status < 400 || response.getContentWritten() > 0 || !response.setErrorReported()) {
                return;
            }
            String message = response.getMessage();
            String reason = message == null || message.isBlank()
                    ? "the request was refused before it reached the hub (HTTP " + status + ")"
                    : message;
            Map<String, String> body = new LinkedHashMap<>();
            body.put("error", category(status));
            body.put("reason", reason);
            try {
                response.setContentType("application/json");
                response.setCharacterEncoding("utf-8");
                Writer writer = response.getReporter();
                if (writer != null) {
                    writer.write(MAPPER.writeValueAsString(body));
                    response.finishResponse();
                }
            } catch (IOException | IllegalStateException e) {
                // the connection is gone or the response committed: nothing more to say
            }
        }

        static String category(int status) {
            return Arrays.stream(ErrorCategory.values()).filter(c -> c.httpStatus() == status).findFirst()
                    .map(Enum::name).orElse(status < 500 ? ErrorCategory.INVALID.name() : ErrorCategory.INTERNAL.name());
        }
    }
}
