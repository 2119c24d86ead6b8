package io.omnihub.bench;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code bench/run.sh} builds with Maven online unless told otherwise: on a fresh machine an offline build stops at
 * the first plugin dependency that is not yet cached (issue 15). A stand-in {@code mvn} first on the PATH records
 * the arguments the script passes and fails, so the script stops right after its build step.
 */
class BenchScriptTest {

    @TempDir
    Path bin;

    @Test
    void shouldBuildOnlineByDefault() throws Exception {
        List<String> args = mavenArgs(Map.of());
        assertThat(args).contains("-Pbench", "package").doesNotContain("-o", "--offline");
    }

    @Test
    void shouldBuildOfflineWhenAskedTo() throws Exception {
        assertThat(mavenArgs(Map.of("BENCH_MVN_OPTS", "-o"))).contains("-o", "-Pbench", "package");
    }

    private List<String> mavenArgs(Map<String, String> env) throws Exception {
        Path record = bin.resolve("mvn-args");
        Files.deleteIfExists(record);
        Path mvn = bin.resolve("mvn");
        Files.writeString(mvn, "#!/usr/bin/env bash\nprintf '%s\\n' \"$@\" > '" + record + "'\nexit 3\n");
        Files.setPosixFilePermissions(mvn, PosixFilePermissions.fromString("rwxr-xr-x"));

        ProcessBuilder pb = new ProcessBuilder("bash", Path.of("bench", "run.sh").toAbsolutePath().toString())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD);
        pb.environment().remove("BENCH_MVN_OPTS");
        pb.environment().remove("BENCH_SKIP_BUILD");
        pb.environment().putAll(env);
        pb.environment().put("PATH", bin + ":" + System.getenv("PATH"));
        Process p = pb.start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("bench/run.sh stops when its build fails").isTrue();
        assertThat(p.exitValue()).as("the stand-in mvn's failure stops the script").isNotZero();
        assertThat(record).as("bench/run.sh ran mvn").exists();
        return Files.readAllLines(record);
    }
}
