package io.omnihub.console;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.omnihub.support.HubIntegrationTest;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 15: the console's CSRF protection holds for a browser that also has cached basic credentials, and the actuator
 * shows health details and metrics to signed-in users only. Over real HTTP; the session is handled by hand (cookie
 * header), as a browser would send it.
 */
class ConsoleSecurityIT extends HubIntegrationTest {

    static final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();
    static final ObjectMapper mapper = new ObjectMapper();
    /** A harmless operator POST: a preview of the WMS stock mapping on its sample (changes nothing). */
    static final String POST_PATH = "/api/mappings/wms-stock/preview";

    static String basic(String user) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + user).getBytes(StandardCharsets.UTF_8));
    }

    static HttpResponse<String> send(HttpRequest.Builder b) {
        try {
            return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create(baseUrl() + path));
    }

    static String sessionCookie(HttpResponse<?> r) {
        return r.headers().allValues("Set-Cookie").stream()
                .filter(c -> c.startsWith("JSESSIONID="))
                .map(c -> c.substring(0, c.indexOf(';') < 0 ? c.length() : c.indexOf(';')))
                .findFirst().orElseThrow(() -> new AssertionError("no session cookie in " + r.headers().map()));
    }

    /** Signs in through the console's login form as the operator; returns the session cookie ("JSESSIONID=..."). */
    String signIn() {
        HttpResponse<String> page = send(request("/login").GET());
        assertThat(page.statusCode()).isEqualTo(200);
        String cookie = sessionCookie(page);
        Matcher token = Pattern.compile("name=\"_csrf\"\\s+value=\"([^\"]+)\"").matcher(page.body());
        assertThat(token.find()).as("the login form carries a CSRF token: " + page.body()).isTrue();
        String form = "username=operator&password=operator&_csrf=" + URLEncoder.encode(token.group(1), StandardCharsets.UTF_8);
        HttpResponse<String> login = send(request("/login").header("Cookie", cookie)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form)));
        assertThat(login.statusCode()).as("signed in and sent on").isEqualTo(302);
        assertThat(login.headers().firstValue("Location").orElse("")).doesNotContain("error");
        // a new session id after sign-in (session fixation protection)
        return sessionCookie(login);
    }

    HttpResponse<String> preview(HttpRequest.Builder b) {
        try {
            return send(b.header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofFile(
                    Path.of("src/test/resources/mappings/wms-stock.input.json"))));
        } catch (java.io.FileNotFoundException e) {
            throw new IllegalStateException(e);
        }
    }

    // CSRF

    @Test
    void shouldRefuseASessionPostWithoutTokenEvenWithCachedBasicCredentials() throws Exception {
        String session = signIn();

        // what a cross-site form post from a browser that has both a console session and cached basic
        // credentials carries: the cookie and the Authorization header, but no token
        HttpResponse<String> forged = preview(request(POST_PATH).header("Cookie", session)
                .header("Authorization", basic("operator")));
        assertThat(forged.statusCode()).as(forged.body()).isEqualTo(403);

        HttpResponse<String> cookieOnly = preview(request(POST_PATH).header("Cookie", session));
        assertThat(cookieOnly.statusCode()).as(cookieOnly.body()).isEqualTo(403);

        // the console's own page gets the token from /api/console/me and sends it in a header: accepted
        JsonNode me = mapper.readTree(send(request("/api/console/me").header("Cookie", session).GET()).body());
        assertThat(me.path("csrfToken").asText()).isNotEmpty();
        HttpResponse<String> console = preview(request(POST_PATH).header("Cookie", session)
                .header(me.path("csrfHeader").asText(), me.path("csrfToken").asText()));
        assertThat(console.statusCode()).as(console.body()).isEqualTo(200);
    }

    @Test
    void shouldAcceptAPureApiClientWithBasicAuthAndNoCookie() {
        HttpResponse<String> api = preview(request(POST_PATH).header("Authorization", basic("operator")));
        assertThat(api.statusCode()).as(api.body()).isEqualTo(200);
        assertThat(api.headers().allValues("Set-Cookie")).as("basic auth does not start a session")
                .noneMatch(c -> c.startsWith("JSESSIONID="));
    }

    // actuator

    @Test
    void shouldShowOnlyTheStatusToAnonymousCallers() throws Exception {
        HttpResponse<String> r = send(request("/actuator/health").GET());
        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode health = mapper.readTree(r.body());
        assertThat(health.path("status").asText()).isEqualTo("UP");
        assertThat(health.has("components")).as("no components for anonymous callers: " + r.body()).isFalse();
        assertThat(r.body()).doesNotContain("jdbc", "127.0.0.1", "\"user\"");
    }

    @Test
    void shouldShowComponentsToASignedInUser() throws Exception {
        JsonNode health = mapper.readTree(send(request("/actuator/health").header("Authorization", basic("viewer")).GET()).body());
        assertThat(health.at("/components/db/status").asText()).isEqualTo("UP");
        assertThat(health.at("/components/sftp/components/hub/details/address").asText()).isNotEmpty();
    }

    @Test
    void shouldRefuseThePrometheusScrapeToAnonymousCallers() {
        assertThat(send(request("/actuator/prometheus").GET()).statusCode()).isEqualTo(401);
        HttpResponse<String> scrape = send(request("/actuator/prometheus").header("Authorization", basic("viewer")).GET());
        assertThat(scrape.statusCode()).isEqualTo(200);
        assertThat(scrape.body()).contains("jvm_memory_used_bytes");
    }

    @Test
    void shouldTimeRequestsButNotEachSecurityFilter() {
        // a request through the whole chain, signed in (authentication and authorization both ran)
        assertThat(preview(request(POST_PATH).header("Authorization", basic("operator"))).statusCode()).isEqualTo(200);
        HttpResponse<String> scrape = send(request("/actuator/prometheus").header("Authorization", basic("viewer")).GET());
        assertThat(scrape.statusCode()).isEqualTo(200);
        assertThat(scrape.body()).as("the request timed as a whole").contains("http_server_requests_seconds_count");
        assertThat(scrape.body()).as("no timer per security filter, authentication or authorization")
                .doesNotContain("spring_security_filterchains").doesNotContain("spring_security_authorizations")
                .doesNotContain("spring_security_authentications");
    }
}
