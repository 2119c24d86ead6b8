package io.omnihub.policy;

import io.omnihub.canonical.CanonicalOrder;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * A candidate policy piloted on a share of live orders: every criterion given must match (percentage of order ids
 * by hash, channel, ship-to region). Assignment is a pure function of the order, so the same order always gets
 * the same answer, on every instance and after a restart.
 *
 * @param version the piloted version
 * @param percent share of orders, 0..100, by a hash of the order id; null means every order that matches the rest
 * @param channel only orders of this channel; null means any
 * @param region  only orders shipping to this region (shipTo.region); null means any
 */
public record Pilot(int version, BigDecimal percent, String channel, String region) {

    /** Buckets of the hash: a share is a whole number of hundredths of a percent. */
    static final int BUCKETS = 10_000;

    /** Whether the pilot decides {@code order}. */
    public boolean decides(CanonicalOrder order) {
        if (channel != null && !channel.equals(order.channel())) {
            return false;
        }
        if (region != null && (order.shipTo() == null || !region.equalsIgnoreCase(order.shipTo().region()))) {
            return false;
        }
        return percent == null || inShare(order.orderId(), percent.doubleValue());
    }

    /** Whether {@code orderId} falls in the first {@code percent} of the hash space (stable: SHA-256 of the id). */
    public static boolean inShare(String orderId, double percent) {
        return bucket(orderId) < Math.round(percent * BUCKETS / 100.0);
    }

    static int bucket(String orderId) {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(orderId.getBytes(StandardCharsets.UTF_8));
            long v = 0;
            for (int i = 0; i < 8; i++) {
                v = (v << 8) | (h[i] & 0xff);
            }
            return (int) Long.remainderUnsigned(v, BUCKETS);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
