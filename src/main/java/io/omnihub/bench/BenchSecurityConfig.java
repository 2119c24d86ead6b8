package io.omnihub.bench;

import io.omnihub.console.SecurityConfig;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Profile;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.security.config.Customizer;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.web.SecurityFilterChain;

/**
 * Under the {@code bench} profile only: opens {@code /bench/**} (the echo endpoint) and {@code /actuator/prometheus}
 * (the load generator samples heap use from the scrape every half second while the hub is under load, where a password
 * check per sample would cost the hub a BCrypt hash each time; the bench hub listens on loopback only), and lets an
 * OPERATOR read {@code /actuator/metrics/**} over HTTP basic. A separate filter chain ahead of the hub's own; without
 * the profile it does not exist and the hub's rules are unchanged (the scrape needs a user).
 */
@Configuration(proxyBeanMethods = false)
@Profile("bench")
public class BenchSecurityConfig {

    @Bean
    @Order(Ordered.HIGHEST_PRECEDENCE)
    public SecurityFilterChain benchSecurityFilterChain(HttpSecurity http) throws Exception {
        http
                .securityMatcher("/bench/**", "/actuator/prometheus", "/actuator/metrics", "/actuator/metrics/**")
                .csrf(csrf -> csrf.disable())
                .authorizeHttpRequests(auth -> auth
                        .requestMatchers("/bench/**", "/actuator/prometheus").permitAll()
                        .anyRequest().hasRole(SecurityConfig.OPERATOR))
                .httpBasic(Customizer.withDefaults());
        return http.build();
    }
}
