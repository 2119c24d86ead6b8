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
 * Under the {@code bench} profile only: opens {@code /bench/**} (the echo endpoint) and lets an OPERATOR read
 * {@code /actuator/metrics/**} over HTTP basic, so the load generator can sample heap use. A separate filter
 * chain ahead of the hub's own; without the profile it does not exist and the hub's rules are unchanged.
 */
@Configuration(proxyBeanMethods = false)
@Profile("bench")
public class BenchSecurityConfig {

    @Bean
    @Order(Ordered.HIGHEST_PRECEDENCE)
    public SecurityFilterChain benchSecurityFilterChain(HttpSecurity http) throws Exception {
        http
                .securityMatcher("/bench/**", "/actuator/metrics", "/actuator/metrics/**")
                .csrf(csrf -> csrf.disable())
                .authorizeHttpRequests(auth -> auth
                        .requestMatchers("/bench/**").permitAll()
                        .anyRequest().hasRole(SecurityConfig.OPERATOR))
                .httpBasic(Customizer.withDefaults());
        return http.build();
    }
}
