package io.omnihub.canonical;

/** A postal address with optional coordinates (used for distance when present). */
public record Address(
        String name,
        String line1,
        String line2,
        String city,
        String region,
        String postalCode,
        String country,
        Double latitude,
        Double longitude) {

    public boolean hasGeo() {
        return latitude != null && longitude != null;
    }
}
