package io.omnihub.console;

import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServletRequest;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.security.config.Customizer;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.observation.SecurityObservationSettings;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.core.userdetails.UserDetailsService;
import org.springframework.security.crypto.factory.PasswordEncoderFactories;
import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.security.provisioning.InMemoryUserDetailsManager;
import org.springframework.security.web.SecurityFilterChain;

import java.util.List;

/**
 * Who may do what. Webhooks are authenticated by their signature, not by a login; health's status is open (its
 * details and the Prometheus scrape need a user); the admin API and the console need a user: VIEWER reads, OPERATOR may also replay and cancel. Everything else is
 * closed. The console signs in with a form ({@code /login}, see {@link LoginPage}); API clients may use HTTP basic.
 */
@Configuration(proxyBeanMethods = false)
public class SecurityConfig {

    public static final String VIEWER = "VIEWER";
    public static final String OPERATOR = "OPERATOR";

    /** Console and API users from configuration ({@code omnihub.security.users}). */
    @ConfigurationProperties(prefix = "omnihub.security")
    public record SecurityProperties(List<UserEntry> users) {
        public record UserEntry(String name, String password, List<String> roles) {
        }
    }

    @Bean
    public SecurityFilterChain securityFilterChain(HttpSecurity http) throws Exception {
        http
                // CSRF protects the console's browser session; webhooks (signature) and pure API clients (no session
                // cookie) cannot be forged by another site
                .csrf(csrf -> csrf.ignoringRequestMatchers("/webhooks/**", "/demo/channels/**", "/demo/stores/**")
                        .ignoringRequestMatchers(SecurityConfig::withoutBrowserSession))
                .authorizeHttpRequests(auth -> auth
                        .dispatcherTypeMatchers(DispatcherType.ASYNC, DispatcherType.ERROR).permitAll()
                        .requestMatchers("/webhooks/**").permitAll()
                        // the demo channels' receiving ends check the hub's signature or auth header themselves
                        .requestMatchers(org.springframework.http.HttpMethod.POST, "/demo/channels/web/**").permitAll()
                        .requestMatchers(org.springframework.http.HttpMethod.PUT, "/demo/channels/marketplace/**", "/demo/channels/web/admin/**").permitAll()
                        .requestMatchers(org.springframework.http.HttpMethod.GET, "/demo/channels/web/stock-export").permitAll()
                        // the marketplace stand-in's read-back (reconciliation) checks the marketplace credential itself
                        .requestMatchers(org.springframework.http.HttpMethod.GET, "/demo/channels/marketplace/api/**").permitAll()
                        .requestMatchers(org.springframework.http.HttpMethod.GET, "/demo/channels").hasAnyRole(VIEWER, OPERATOR)
                        // the demo stores' fulfillment endpoint takes requests as an unauthenticated store system would
                        .requestMatchers(org.springframework.http.HttpMethod.POST, "/demo/stores/*/fulfillment-requests", "/demo/stores/*/cycle-counts").permitAll()
                        .requestMatchers(org.springframework.http.HttpMethod.GET, "/demo/stores").hasAnyRole(VIEWER, OPERATOR)
                        // anyone may ask whether the hub is UP (load balancers, probes); which part is down, with its
                        // address, user and error, only a signed-in user sees (management.endpoint.health.show-details)
                        .requestMatchers("/actuator/health/**", "/actuator/health").permitAll()
                        // metrics name channels, routes and volumes: a scraper signs in (and in prod they are on the
                        // management port, see application-prod.yaml)
                        .requestMatchers("/actuator/prometheus").hasAnyRole(VIEWER, OPERATOR)
                        .requestMatchers("/login", "/error", "/console.css", "/favicon.svg").permitAll()
                        .requestMatchers(org.springframework.http.HttpMethod.GET, "/api/**", "/v3/api-docs/**", "/swagger-ui/**",
                                "/swagger-ui.html").hasAnyRole(VIEWER, OPERATOR)
                        .requestMatchers("/api/**").hasRole(OPERATOR)
                        .requestMatchers("/", "/index.html", "/*.js", "/*.css", "/favicon.ico").hasAnyRole(VIEWER, OPERATOR)
                        .anyRequest().denyAll())
                .httpBasic(Customizer.withDefaults())
                .formLogin(form -> form.loginPage("/login").defaultSuccessUrl("/", false).permitAll())
                .logout(logout -> logout.logoutSuccessUrl("/login?logout").permitAll());
        return http.build();
    }

    /**
     * A request with no session cookie is a pure API client (HTTP basic on every call): another site cannot make a
     * browser send a session it does not have, so there is nothing to forge. Whether an {@code Authorization} header
     * is present decides nothing: a browser that has cached basic credentials sends one on a cross-site form post too,
     * along with its session cookie.
     */
    static boolean withoutBrowserSession(HttpServletRequest request) {
        return request.getRequestedSessionId() == null;
    }

    /**
     * No Micrometer observation per security filter, authentication and authorization: with one, every request timed
     * each of the chain's filters and looked its meter up (JFR: a quarter of an HTTP thread's CPU on the webhook path).
     * Nothing reads those meters; the request as a whole is still timed (http.server.requests).
     */
    @Bean
    public SecurityObservationSettings securityObservationSettings() {
        return SecurityObservationSettings.noObservations();
    }

    @Bean
    public PasswordEncoder passwordEncoder() {
        return PasswordEncoderFactories.createDelegatingPasswordEncoder();
    }

    @Bean
    public UserDetailsService users(SecurityProperties props, PasswordEncoder encoder) {
        InMemoryUserDetailsManager manager = new InMemoryUserDetailsManager();
        for (SecurityProperties.UserEntry u : props.users() == null ? List.<SecurityProperties.UserEntry>of() : props.users()) {
            manager.createUser(User.withUsername(u.name())
                    .password(u.password().startsWith("{") ? u.password() : encoder.encode(u.password()))
                    .roles(u.roles().toArray(String[]::new))
                    .build());
        }
        return manager;
    }
}
