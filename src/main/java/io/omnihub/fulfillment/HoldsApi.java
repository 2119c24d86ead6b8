package io.omnihub.fulfillment;

import com.fasterxml.jackson.databind.JsonNode;
import io.omnihub.canonical.ErrorCategory;
import io.omnihub.canonical.NotFoundException;
import io.omnihub.canonical.RejectedMessageException;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

import java.util.List;

/** Soft allocation for carts: create, look at, convert into an order, release. */
@RestController
@RequestMapping("/api/holds")
public class HoldsApi {

    private final Holds holds;

    public HoldsApi(Holds holds) {
        this.holds = holds;
    }

    /** Body of a hold request. */
    public record HoldRequest(String channel, List<Holds.HoldLine> lines, Integer minutes) {
    }

    @PostMapping
    public ResponseEntity<Holds.Hold> create(@RequestBody HoldRequest body) {
        if (body == null) {
            throw new RejectedMessageException(ErrorCategory.INVALID, "a hold needs channel and lines");
        }
        return ResponseEntity.status(HttpStatus.CREATED).body(holds.create(body.channel(), body.lines(), body.minutes()));
    }

    @GetMapping("/{id}")
    public Holds.Hold get(@PathVariable String id) {
        Holds.Hold h = holds.get(id);
        if (h == null) {
            throw new NotFoundException("hold " + id + " is not known");
        }
        return h;
    }

    @PostMapping("/{id}/convert")
    public OrderRouting.Outcome convert(@PathVariable String id, @RequestBody JsonNode order) {
        return holds.convert(id, order);
    }

    @DeleteMapping("/{id}")
    public Holds.Hold release(@PathVariable String id) {
        return holds.release(id);
    }
}
