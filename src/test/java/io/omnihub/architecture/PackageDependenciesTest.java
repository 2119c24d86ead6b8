package io.omnihub.architecture;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The hub's packages form no two-way dependencies: when package a uses package b, b does not use a. Read from the
 * sources (imports and fully qualified names), so a tie added anywhere fails the build with the classes that make it.
 */
class PackageDependenciesTest {

    private static final Path MAIN = Path.of("src/main/java");
    private static final Pattern PACKAGE = Pattern.compile("^package ([\\w.]+);", Pattern.MULTILINE);
    private static final Pattern REFERENCE = Pattern.compile("\\b(io\\.omnihub(?:\\.[a-z]\\w*)+)\\.[A-Z]\\w*");

    @Test
    void noTwoPackagesDependOnEachOther() throws IOException {
        Map<String, Map<String, Set<String>>> uses = dependencies();
        assertThat(uses).as("packages read").hasSizeGreaterThan(10);
        List<String> ties = new ArrayList<>();
        uses.forEach((a, targets) -> targets.forEach((b, classes) -> {
            if (a.compareTo(b) < 0 && uses.getOrDefault(b, Map.of()).containsKey(a)) {
                ties.add(a + " -> " + b + " (" + classes + ") and " + b + " -> " + a + " (" + uses.get(b).get(a) + ")");
            }
        }));
        assertThat(ties).as("two-way package dependencies").isEmpty();
    }

    @Test
    void theCheckSeesATie() {
        // the reader must find a reference written either way, or the check above could never fail
        assertThat(references("import io.omnihub.sync.SyncProperties;\nclass X { io.omnihub.delivery.Deliveries d; }"))
                .containsExactlyInAnyOrder("io.omnihub.sync", "io.omnihub.delivery");
    }

    @Test
    void theReadmeNamesEveryPackage() throws IOException {
        String readme = Files.readString(Path.of("README.md"));
        List<String> unnamed = new ArrayList<>();
        for (String pkg : dependencies().keySet()) {
            String name = pkg.startsWith("io.omnihub.") ? pkg.substring("io.omnihub.".length()) : "";
            if (!name.isEmpty() && !readme.contains("`" + name + "`")) {
                unnamed.add(name);
            }
        }
        assertThat(unnamed).as("packages under src/main/java the README's package list does not name").isEmpty();
    }

    /** Per package, the other hub packages it names, each with the classes of it that name them. */
    private static Map<String, Map<String, Set<String>>> dependencies() throws IOException {
        Map<String, Map<String, Set<String>>> uses = new TreeMap<>();
        try (Stream<Path> files = Files.walk(MAIN)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                String text = Files.readString(file);
                Matcher m = PACKAGE.matcher(text);
                if (!m.find()) {
                    continue;
                }
                String own = m.group(1);
                String simple = file.getFileName().toString().replace(".java", "");
                for (String target : references(text)) {
                    if (!target.equals(own)) {
                        uses.computeIfAbsent(own, k -> new TreeMap<>()).computeIfAbsent(target, k -> new TreeSet<>()).add(simple);
                    }
                }
                uses.computeIfAbsent(own, k -> new TreeMap<>());
            }
        }
        return uses;
    }

    private static Set<String> references(String text) {
        Set<String> found = new TreeSet<>();
        Matcher m = REFERENCE.matcher(text.replaceAll("(?m)^package .*$", ""));
        while (m.find()) {
            found.add(m.group(1));
        }
        return found;
    }
}
