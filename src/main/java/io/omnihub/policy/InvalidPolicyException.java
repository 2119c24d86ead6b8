package io.omnihub.policy;

import java.util.List;
import java.util.stream.Collectors;

/** A policy document that does not validate: every problem with its JSON path and the reason. */
public class InvalidPolicyException extends RuntimeException {

    /** One problem: where ({@code $.rules.SHIP_TO_HOME[0].radiusMiles}) and why. */
    public record Problem(String path, String reason) {
    }

    private final transient List<Problem> problems;

    public InvalidPolicyException(List<Problem> problems) {
        super("the routing policy is invalid: " + problems.stream().map(p -> p.path() + ": " + p.reason())
                .collect(Collectors.joining("; ")));
        this.problems = List.copyOf(problems);
    }

    public List<Problem> problems() {
        return problems;
    }
}
