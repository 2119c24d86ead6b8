package io.omnihub.console;

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
 * closed.
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
                .csrf(csrf -> csrf.ignoringRequestMatchers("/webhooks/**", "/api/**"))
                .authorizeHttpRequests(auth -> auth
                        .requestMatchers("/webhooks/**").permitAll()
                        .requestMatchers("/actuator/health/**", "/actuator/health", "/actuator/prometheus").permitAll()
                        .requestMatchers("/login", "/error").permitAll()
                        .requestMatchers(org.springframework.http.HttpMethod.GET, "/api/**", "/v3/api-docs/**", "/swagger-ui/**",
                                "/swagger-ui.html").hasAnyRole(VIEWER, OPERATOR)
                        .requestMatchers("/api/**").hasRole(OPERATOR)
                        .requestMatchers("/", "/index.html", "/*.js", "/*.css", "/favicon.ico").hasAnyRole(VIEWER, OPERATOR)
                        .anyRequest().denyAll())
                .httpBasic(Customizer.withDefaults())
                .formLogin(Customizer.withDefaults());
        return http.build();
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
