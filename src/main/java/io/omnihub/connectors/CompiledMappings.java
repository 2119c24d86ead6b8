package io.omnihub.connectors;

import com.dashjoin.jsonata.Jsonata;
import org.springframework.stereotype.Component;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Field;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The mappings of {@code mappings/*.jsonata} compiled once per version of their file, for connectors that map many
 * rows (a 100,000-row file must not parse its expression 100,000 times). A version is the file's path, last-modified
 * time and size: an edited mapping is compiled again at its next use, so a changed mapping takes effect without a
 * restart. The expression is read as the {@code jsonata:} endpoint reads it (lines joined without a separator), so a
 * row maps exactly as it did through the endpoint and as the preview shows.
 */
@Component("compiledMappings")
public class CompiledMappings {

    /**
     * jsonata-java (0.9.8) leaves the last frame it evaluated in as the expression's environment, and the next
     * evaluation starts a frame below that one: reusing a compiled expression makes every evaluation look its variables
     * and functions up through one more frame than the one before (measured: 0.6 ms of CPU a row after 200 rows,
     * 8 ms after 2,000). So the environment the expression was compiled with is put back before each evaluation.
     */
    private static final Field ENVIRONMENT;

    static {
        try {
            ENVIRONMENT = Jsonata.class.getDeclaredField("environment");
            ENVIRONMENT.setAccessible(true);
        } catch (NoSuchFieldException e) {
            throw new ExceptionInInitializerError("jsonata-java without the environment field this class resets: " + e);
        }
    }

    /** One compiled version of a mapping file. Evaluations of one expression are serialised (see {@link #evaluate}). */
    public static final class Compiled {
        private final Jsonata expression;
        private final Object environment;
        private final long modified;
        private final long size;

        private Compiled(Jsonata expression, long modified, long size) {
            this.expression = expression;
            this.modified = modified;
            this.size = size;
            try {
                this.environment = ENVIRONMENT.get(expression);
            } catch (IllegalAccessException e) {
                throw new IllegalStateException(e);
            }
        }

        /**
         * Maps one input (maps, lists, strings, numbers, as Jackson reads JSON into {@code Object}), in a fresh frame
         * below the expression's own environment, so that nothing of one row is left for the next. The JSONata library
         * keeps evaluation state in the expression object, so one expression is not evaluated by two threads at once;
         * files are read one at a time per flow, so this lock is hardly ever contended.
         */
        public synchronized Object evaluate(Object input) {
            try {
                ENVIRONMENT.set(expression, environment);
            } catch (IllegalAccessException e) {
                throw new IllegalStateException(e);
            }
            return expression.evaluate(input, expression.createFrame());
        }
    }

    private final Map<Path, Compiled> cache = new ConcurrentHashMap<>();

    /**
     * The compiled expression of {@code location} (a path relative to the working directory such as
     * {@code mappings/wms-stock.jsonata}, optionally prefixed {@code file:}), compiled again when the file changed.
     */
    public Compiled get(String location) {
        Path file = Path.of(location.startsWith("file:") ? location.substring("file:".length()) : location).toAbsolutePath().normalize();
        try {
            BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
            long modified = attributes.lastModifiedTime().toMillis();
            long size = attributes.size();
            Compiled known = cache.get(file);
            if (known != null && known.modified == modified && known.size == size) {
                return known;
            }
            // the jsonata endpoint joins the expression's lines without a separator; the same here, so rows map alike
            String expression = String.join("", Files.readAllLines(file, StandardCharsets.UTF_8));
            Compiled compiled = new Compiled(Jsonata.jsonata(expression), modified, size);
            cache.put(file, compiled);
            return compiled;
        } catch (IOException e) {
            throw new UncheckedIOException("mapping " + location + " cannot be read: " + e.getMessage(), e);
        }
    }
}
