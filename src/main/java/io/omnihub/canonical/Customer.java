package io.omnihub.canonical;

/** The buyer as the channel knows them. */
public record Customer(String id, String email, String name) {
}
