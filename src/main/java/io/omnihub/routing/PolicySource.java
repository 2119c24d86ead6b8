package io.omnihub.routing;

import io.omnihub.canonical.CanonicalOrder;

/**
 * Where live routing gets the policy for one order: the version in force (a scheduled window's, else the
 * activated one), or a piloted candidate when the order falls in the pilot's share. Called once per routing
 * attempt, so a change takes effect for the next order.
 */
public interface PolicySource {

    /** The policy to route {@code order} with, and whether it is the pilot's. */
    record Choice(RoutingPolicy policy, boolean pilot) {
    }

    Choice choose(CanonicalOrder order);

    /**
     * For orders decided together (a batch routed in one transaction): the versions in force are looked up once
     * and every order of the batch is chosen for against them, as {@link #choose} would at that moment.
     */
    default java.util.function.Function<CanonicalOrder, Choice> chooser() {
        return this::choose;
    }
}
