package io.omnihub.channels;

/**
 * A channel's buffers over the stock it could sell: it sees {@code percent}% of it (rounded down), less
 * {@code holdback} units, never more than {@code cap}, never less than zero. Null fields mean "no rule".
 */
public record BufferRules(Integer percent, Integer holdback, Integer cap) {

    public BufferRules {
        if (percent != null && (percent < 0 || percent > 100)) {
            throw new IllegalArgumentException("percent must be 0..100: " + percent);
        }
        if (holdback != null && holdback < 0) {
            throw new IllegalArgumentException("holdback cannot be negative: " + holdback);
        }
        if (cap != null && cap < 0) {
            throw new IllegalArgumentException("cap cannot be negative: " + cap);
        }
    }

    /** What the channel may sell out of {@code available} units. */
    public int apply(int available) {
        long figure = Math.max(0, available);
        if (percent != null) {
            figure = figure * percent / 100;
        }
        if (holdback != null) {
            figure -= holdback;
        }
        if (cap != null) {
            figure = Math.min(figure, cap);
        }
        return (int) Math.max(0, figure);
    }

    /** These rules, with {@code base}'s value wherever this one has none. */
    public BufferRules over(BufferRules base) {
        return new BufferRules(percent != null ? percent : base.percent(),
                holdback != null ? holdback : base.holdback(),
                cap != null ? cap : base.cap());
    }
}
