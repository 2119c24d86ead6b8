package io.omnihub.connectors.mapping;

import com.dashjoin.jsonata.JException;
import com.dashjoin.jsonata.Jsonata;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.omnihub.canonical.ErrorCategory;
import io.omnihub.canonical.RejectedMessageException;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Field;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * The JSONata mappings of {@code mappings/}, each compiled once per version of its file and shared by the webhook
 * routes, the file connectors (a 100,000-row file must not parse its expression 100,000 times) and the mapping
 * preview. Camel's {@code jsonata:} endpoint compiles the expression again for every exchange (its
 * {@code contentCache} keeps only the text, and once set never sees an edit); here a file is compiled again only when
 * its last-modified time or size changed and its text differs, so live editing of a mapping is seen by the next
 * message. Checking costs one {@code stat} per call. The expression is read as the {@code jsonata:} endpoint reads it
 * (lines joined without a separator), so a payload maps exactly as it did through the endpoint.
 * <p>
 * jsonata-java (0.9.8) keeps evaluation state in the expression object: each evaluation makes the frame it ran in the
 * expression's environment, and the next one starts a frame below that. A shared expression is therefore neither
 * safe for two threads at once nor cheap for long (every evaluation looks its names up through one frame more than
 * the last: measured 0.6 ms of CPU a row after 200 rows, 8 ms after 2,000). So each version keeps a small pool of
 * compiled instances, one per thread evaluating at that moment, and puts back an instance's own environment before
 * each evaluation.
 */
@Component("compiledMappings")
public class CompiledMappings {

    private static final Field ENVIRONMENT;

    static {
        try {
            ENVIRONMENT = Jsonata.class.getDeclaredField("environment");
            ENVIRONMENT.setAccessible(true);
        } catch (NoSuchFieldException e) {
            throw new ExceptionInInitializerError("jsonata-java without the environment field this class resets: " + e);
        }
    }

    /** One version of a mapping file: its text, and the compiled instances not in use right now. */
    public static final class Compiled {
        private final String text;
        private volatile long modifiedNanos;
        private volatile long size;
        private final ConcurrentLinkedQueue<Instance> idle = new ConcurrentLinkedQueue<>();

        private Compiled(String text, long modifiedNanos, long size) {
            this.text = text;
            this.modifiedNanos = modifiedNanos;
            this.size = size;
            idle.add(new Instance(Jsonata.jsonata(text)));
        }

        private Compiled touched(long modifiedNanos, long size) {
            this.modifiedNanos = modifiedNanos;
            this.size = size;
            return this;
        }

        /**
         * Maps one input (maps, lists, strings, numbers, as Jackson reads JSON into {@code Object}), in a fresh frame
         * below the expression's own environment, so that nothing of one input is left for the next. Safe from any
         * number of threads: each takes an instance of its own from the pool (compiling one when all are in use).
         */
        public Object evaluate(Object input) {
            Instance instance = idle.poll();
            if (instance == null) {
                instance = new Instance(Jsonata.jsonata(text));
            }
            try {
                return instance.evaluate(input);
            } finally {
                idle.offer(instance);
            }
        }
    }

    /** A compiled expression with the environment it was compiled with; used by one thread at a time. */
    private static final class Instance {
        private final Jsonata expression;
        private final Object environment;

        Instance(Jsonata expression) {
            this.expression = expression;
            try {
                this.environment = ENVIRONMENT.get(expression);
            } catch (IllegalAccessException e) {
                throw new IllegalStateException(e);
            }
        }

        Object evaluate(Object input) {
            try {
                ENVIRONMENT.set(expression, environment);
            } catch (IllegalAccessException e) {
                throw new IllegalStateException(e);
            }
            return expression.evaluate(input, expression.createFrame());
        }
    }

    private final Path directory;
    private final ObjectMapper mapper;
    private final Map<Path, Compiled> cache = new ConcurrentHashMap<>();

    @Autowired
    public CompiledMappings(@Value("${omnihub.mappings.dir:mappings}") String directory, ObjectMapper mapper) {
        this(Path.of(directory), mapper);
    }

    public CompiledMappings(Path directory, ObjectMapper mapper) {
        this.directory = directory;
        this.mapper = mapper;
    }

    /**
     * Applies mapping {@code name} (the file {@code name.jsonata} in the mappings folder, or a path ending in
     * {@code .jsonata}) to {@code input}: a JSON text is parsed once with Jackson into maps and lists, anything else
     * (maps, lists, a Jackson tree) is taken as is. Returns the result as maps, lists and scalars.
     */
    public Object apply(String name, Object input) {
        Object data = input;
        if (input instanceof String json) {
            try {
                data = mapper.readValue(json, Object.class);
            } catch (JsonProcessingException e) {
                throw new RejectedMessageException(ErrorCategory.INVALID, "malformed JSON: " + e.getOriginalMessage()
                        + (e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr()));
            }
        } else if (input instanceof byte[] bytes) {
            return apply(name, new String(bytes, StandardCharsets.UTF_8));
        } else if (input instanceof com.fasterxml.jackson.databind.JsonNode tree) {
            data = mapper.convertValue(tree, Object.class);
        }
        Compiled mapping = compiled(fileOf(name));
        try {
            return mapping.evaluate(data);
        } catch (JException e) {
            throw new RejectedMessageException(ErrorCategory.INVALID, "the mapping " + name + " failed on this payload: " + e.getMessage());
        }
    }

    /**
     * The compiled mapping at {@code location} (a path relative to the working directory such as
     * {@code mappings/wms-stock.jsonata}, optionally prefixed {@code file:}), compiled again when the file changed.
     */
    public Compiled get(String location) {
        return compiled(Path.of(location.startsWith("file:") ? location.substring("file:".length()) : location));
    }

    /** The compiled mapping of a file, compiled again only when the file changed. */
    public Compiled compiled(Path location) {
        Path file = location.toAbsolutePath().normalize();
        BasicFileAttributes attrs;
        try {
            attrs = Files.readAttributes(file, BasicFileAttributes.class);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("no mapping file " + location);
        } catch (IOException e) {
            throw new UncheckedIOException("mapping " + location + " cannot be read: " + e.getMessage(), e);
        }
        long modified = attrs.lastModifiedTime().to(java.util.concurrent.TimeUnit.NANOSECONDS);
        Compiled c = cache.get(file);
        if (c != null && c.modifiedNanos == modified && c.size == attrs.size()) {
            return c;
        }
        return cache.compute(file, (f, old) -> {
            if (old != null && old.modifiedNanos == modified && old.size == attrs.size()) {
                return old;
            }
            String text;
            try {
                text = String.join("", Files.readAllLines(f, StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            if (old != null && old.text.equals(text)) {
                // touched, not changed: keep the compiled instances
                return old.touched(modified, attrs.size());
            }
            return new Compiled(text, modified, attrs.size());
        });
    }

    /** The file of mapping {@code name}: a bare name is looked up in the mappings folder. */
    public Path fileOf(String name) {
        if (name.endsWith(".jsonata")) {
            String n = name.startsWith("file:") ? name.substring("file:".length()) : name;
            return Path.of(n);
        }
        if (!name.matches("[a-z0-9][a-z0-9-]*")) {
            throw new IllegalArgumentException("not a mapping name: " + name);
        }
        return directory.resolve(name + ".jsonata");
    }

    /** How many file versions are compiled and cached (for tests and metrics). */
    public int size() {
        return cache.size();
    }
}
