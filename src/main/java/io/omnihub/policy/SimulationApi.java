package io.omnihub.policy;

import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import java.security.Principal;
import java.util.List;
import java.util.Map;

/**
 * What-if simulations: start one ({@code {version | document, from, to, channel?, region?}}, answered 202 with its
 * id), list them with their progress, follow one and read its report, cancel it.
 */
@RestController
@RequestMapping("/api/routing/simulations")
public class SimulationApi {

    private final Simulations simulations;

    public SimulationApi(Simulations simulations) {
        this.simulations = simulations;
    }

    @PostMapping
    @ResponseStatus(HttpStatus.ACCEPTED)
    public Map<String, Object> start(@RequestBody Simulations.Request request, Principal user) {
        return simulations.get(simulations.start(request, user.getName()));
    }

    /** The latest simulations with progress (done of total) and headline figures; the reports through {@code /{id}}. */
    @GetMapping
    public List<Map<String, Object>> list(@RequestParam(defaultValue = "50") int limit) {
        return simulations.list(Math.max(1, Math.min(limit, 500)));
    }

    @GetMapping("/{id}")
    public Map<String, Object> get(@PathVariable String id) {
        return simulations.get(id);
    }

    @DeleteMapping("/{id}")
    public Map<String, Object> cancel(@PathVariable String id) {
        simulations.get(id);
        simulations.cancel(id);
        return simulations.get(id);
    }
}
