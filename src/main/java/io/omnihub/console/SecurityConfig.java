package io.omnihub.console;

import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.Cookie;
import jakarta.servlet.http.HttpServletRequest;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.security.config.Customizer;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.core.userdetails.UserDetailsService;
import org.springframework.security.crypto.factory.PasswordEncoderFactories;
import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.security.provisioning.InMemoryUserDetailsManager;
import org.springframework.security.web.SecurityFilterChain;

import java.util.List;

/**
 * Who may do what. Webhooks are authenticated by their signature, not by a login; health is open; the admin
 * API and the console need a user: VIEWER reads, OPERATOR may also replay and cancel. Everything else is
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
                // CSRF protects the console's browser session; webhooks (signature) and API clients that send their
                // own credentials (HTTP basic, no session cookie) cannot be forged by another site
                .csrf(csrf -> csrf.ignoringRequestMatchers("/webhooks/**", "/demo/channels/**")
                        .ignoringRequestMatchers(SecurityConfig::withoutBrowserSession))
                .authorizeHttpRequests(auth -> auth
                        .dispatcherTypeMatchers(DispatcherType.ASYNC, DispatcherType.ERROR).permitAll()
                        .requestMatchers("/webhooks/**").permitAll()
                        // the demo channels' receiving ends check the hub's signature or auth header themselves
                        .requestMatchers(org.springframework.http.HttpMethod.POST, "/demo/channels/web/**").permitAll()
                        .requestMatchers(org.springframework.http.HttpMethod.PUT, "/demo/channels/marketplace/**").permitAll()
                        // the marketplace stand-in's read-back (reconciliation) checks the marketplace credential itself
                        .requestMatchers(org.springframework.http.HttpMethod.GET, "/demo/channels/marketplace/api/**").permitAll()
                        .requestMatchers(org.springframework.http.HttpMethod.GET, "/demo/channels").hasAnyRole(VIEWER, OPERATOR)
                        .requestMatchers("/actuator/health/**", "/actuator/health", "/actuator/prometheus").permitAll()
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

    /** A request that carries its own credentials, or no session cookie at all, is not a browser session to forge. */
    static boolean withoutBrowserSession(HttpServletRequest request) {
        if (request.getHeader("Authorization") != null) {
            return true;
        }
        Cookie[] cookies = request.getCookies();
        if (cookies == null) {
            return true;
        }
        for (Cookie c : cookies) {
            if ("JSESSIONID".equals(c.getName())) {
                return false;
            }
        }
        return true;
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
