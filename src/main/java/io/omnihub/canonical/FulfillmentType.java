package io.omnihub.canonical;

/** How the customer receives an order; decides which nodes are candidates. */
public enum FulfillmentType {
    SHIP_TO_HOME,
    PICKUP_IN_STORE,
    CURBSIDE,
    SAME_DAY
}
