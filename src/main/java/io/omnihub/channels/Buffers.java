package io.omnihub.channels;

import java.util.Map;

/**
 * A channel's buffers ({@code omnihub.channels.<id>.buffers}): its {@link BufferRules}, and per-sku overrides.
 *
 * @param percent  percentage of the available stock the channel may see (default 100)
 * @param holdback units held back from the channel (default 0)
 * @param cap      the most units ever exposed (default none)
 * @param skus     per-sku overrides of percent, holdback and cap
 */
public record Buffers(Integer percent, Integer holdback, Integer cap, Map<String, BufferRules> skus) {

    /** No buffers: the channel sees all the stock. */
    static final BufferRules NONE = new BufferRules(null, null, null);

    public Buffers {
        skus = skus == null ? Map.of() : Map.copyOf(skus);
    }

    /** The buffer rules for {@code sku}: its override's values where set, else the channel's. */
    public BufferRules rulesFor(String sku) {
        BufferRules base = new BufferRules(percent, holdback, cap);
        BufferRules override = skus.get(sku);
        return override == null ? base : override.over(base);
    }
}
