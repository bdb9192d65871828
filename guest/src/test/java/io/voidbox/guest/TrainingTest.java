package io.voidbox.guest;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The training round the image builder records the agent's AOT cache with. */
@Timeout(60)
class TrainingTest {
    @TempDir
    Path dir;

    @Test
    void roundRunsTheRequestPathAndLeavesNothingBehind() throws Exception {
        Training.run(dir, null);
        try (Stream<Path> left = Files.list(dir)) {
            assertThat(left).as("training dir removed").isEmpty();
        }
    }

    @Test
    void trainModeRunsOneRoundAndExitsZero() throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        Path log = dir.resolve("train.log");
        Process p = new ProcessBuilder(
                        java,
                        "-Djava.io.tmpdir=" + dir,
                        "-cp",
                        System.getProperty("java.class.path"),
                        GuestAgent.class.getName(),
                        "--train")
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        try {
            assertThat(p.waitFor(40, TimeUnit.SECONDS)).as("--train exits").isTrue();
            assertThat(p.exitValue()).as(Files.readString(log)).isZero();
            assertThat(Files.readString(log)).contains("voidbox-guest: training round done in");
            try (Stream<Path> left = Files.list(dir)) {
                assertThat(left).containsExactly(log);
            }
        } finally {
            p.destroyForcibly();
        }
    }
}
