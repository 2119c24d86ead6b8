package io.omnihub.connectors.mapping;

import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * The declarative mappings in {@code mappings/*.jsonata}, evaluated the way the {@code jsonata:} endpoint of a
 * route evaluates them (JSON string in, JSON string out), for previews and tests.
 */
public final class Mappings {

    private final Path directory;
    private final ObjectMapper mapper;
    private final CompiledMappings compiled;

    public Mappings(Path directory, ObjectMapper mapper) {
        this(directory, mapper, new CompiledMappings(directory, mapper));
    }

    /** Evaluates with the hub's shared compiled mappings: what a route uses, compiled once per file version. */
    public Mappings(Path directory, ObjectMapper mapper, CompiledMappings compiled) {
        this.directory = directory;
        this.mapper = mapper;
        this.compiled = compiled;
    }

    /** The mapping names (file names without {@code .jsonata}). */
    public List<String> names() {
        try (Stream<Path> files = Files.list(directory)) {
            return files.map(p -> p.getFileName().toString())
                    .filter(n -> n.endsWith(".jsonata"))
                    .map(n -> n.substring(0, n.length() - ".jsonata".length()))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Applies mapping {@code name} to a JSON document and returns the result as JSON. */
    public String apply(String name, String inputJson) throws IOException {
        if (!name.matches("[a-z0-9][a-z0-9-]*")) {
            throw new IllegalArgumentException("not a mapping name: " + name);
        }
        Path file = directory.resolve(name + ".jsonata");
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("no mapping named " + name);
        }
        // the compiled expression of the file's current version: an edit is seen by the next preview, as by a route
        Object input = mapper.readValue(inputJson, Object.class);
        Object output = compiled.compiled(file).evaluate(input);
        return mapper.writeValueAsString(output);
    }
}
