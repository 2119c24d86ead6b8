package io.omnihub.canonical;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** Hub order ids: derived from channel and channel order id, so every redelivery of an order gets the same id. */
public final class OrderIds {

    private OrderIds() {
    }

    public static String of(String channel, String channelOrderId) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256")
                    .digest((channel + "\u0000" + channelOrderId).getBytes(StandardCharsets.UTF_8));
            return "OH-" + HexFormat.of().withUpperCase().formatHex(digest, 0, 10);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
