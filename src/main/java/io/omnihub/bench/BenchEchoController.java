package io.omnihub.bench;

import org.springframework.context.annotation.Profile;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/**
 * The bare HTTP limit the benchmarks compare intake with: answers a POST with its own body, on the same
 * web server, servlet stack and security filter chain as the webhooks, and does nothing else. Exists only
 * when the {@code bench} Spring profile is active (bench/run.sh starts the hub with it); the normal hub has
 * no such endpoint.
 */
@RestController
@Profile("bench")
public class BenchEchoController {

    @PostMapping(path = "/bench/echo")
    public ResponseEntity<byte[]> echo(@RequestBody byte[] body) {
        return ResponseEntity.status(HttpStatus.ACCEPTED).contentType(MediaType.APPLICATION_JSON).body(body);
    }
}
