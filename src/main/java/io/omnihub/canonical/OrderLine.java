package io.omnihub.canonical;

import java.math.BigDecimal;

/** One line of an order: a sku and a quantity. Line numbers start at 1. */
public record OrderLine(int lineNo, String sku, int quantity, BigDecimal unitPrice) {
}
