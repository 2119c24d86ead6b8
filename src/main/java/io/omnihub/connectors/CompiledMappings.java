package io.omnihub.connectors;

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
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The JSONata mappings of {@code mappings/}, each compiled once per version of its file and shared by every route,
 * the mapping preview and the file connectors. Camel's {@code jsonata:} endpoint compiles the expression again for
 * every exchange (its {@code contentCache} keeps only the text, and once set never sees an edit), which was a large
 * share of a webhook's CPU; here a file is compiled again only when its last-modified time or size changed and its
 * text differs, so live editing of a mapping is seen by the next message. Checking costs one {@code stat} per call.
 * <p>
 * A compiled {@link Jsonata} is evaluated concurrently with a fresh frame per call ({@code evaluate(input, frame)}):
 * without one, the expression binds {@code $} in its shared environment.
 */
@Component("compiledMappings")
public class CompiledMappings {

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

    /** A compiled expression with the file version it was compiled from. */
    private record Compiled(long modifiedNanos, long size, String text, Jsonata expression) {
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
        Jsonata expression = compiled(fileOf(name));
        try {
            return expression.evaluate(data, expression.createFrame());
        } catch (JException e) {
            throw new RejectedMessageException(ErrorCategory.INVALID, "the mapping " + name + " failed on this payload: " + e.getMessage());
        }
    }

    /** The compiled expression of a mapping file, compiled again only when the file changed. */
    public Jsonata compiled(Path file) {
        BasicFileAttributes attrs;
        try {
            attrs = Files.readAttributes(file, BasicFileAttributes.class);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("no mapping file " + file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        long modified = attrs.lastModifiedTime().to(java.util.concurrent.TimeUnit.NANOSECONDS);
        Compiled c = cache.get(file);
        if (c != null && c.modifiedNanos() == modified && c.size() == attrs.size()) {
            return c.expression();
        }
        return cache.compute(file, (f, old) -> {
            if (old != null && old.modifiedNanos() == modified && old.size() == attrs.size()) {
                return old;
            }
            String text;
            try {
                // the jsonata endpoint joins the expression's lines without a separator; do the same, so a mapping
                // means the same here as in a jsonata: step
                text = String.join("", Files.readAllLines(f, StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            if (old != null && old.text().equals(text)) {
                // touched, not changed: keep the compiled expression
                return new Compiled(modified, attrs.size(), text, old.expression());
            }
            return new Compiled(modified, attrs.size(), text, Jsonata.jsonata(text));
        }).expression();
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
