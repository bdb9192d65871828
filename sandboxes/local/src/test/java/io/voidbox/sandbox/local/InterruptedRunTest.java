package io.voidbox.sandbox.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Ctrl-C (SIGTERM) of a running voidbox leaves no agent process behind in the local sandbox. */
class InterruptedRunTest {
    @Test
    void terminatingTheJvmMidRunKillsTheAgentsProcessGroup(@TempDir Path dir) throws Exception {
        Path pidFile = dir.resolve("agent.pid");
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process child = new ProcessBuilder(
                        java.toString(),
                        "-cp",
                        System.getProperty("java.class.path"),
                        InterruptedRunMain.class.getName(),
                        pidFile.toString())
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("child.log").toFile())
                .start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while ((!Files.exists(pidFile) || Files.readString(pidFile).isBlank()) && System.nanoTime() < deadline)
                Thread.sleep(100);
            assertThat(pidFile)
                    .as(Files.exists(dir.resolve("child.log")) ? Files.readString(dir.resolve("child.log")) : "")
                    .exists();
            long agent = Long.parseLong(Files.readString(pidFile).strip());
            assertThat(ProcessHandle.of(agent)).isPresent();
            child.destroy(); // SIGTERM, as Ctrl-C would: shutdown hooks run
            assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (ProcessHandle.of(agent).map(ProcessHandle::isAlive).orElse(false) && System.nanoTime() < until)
                Thread.sleep(50);
            assertThat(ProcessHandle.of(agent).map(ProcessHandle::isAlive)).isIn(Optional.empty(), Optional.of(false));
            // the agent's cwd was the workspace: it is gone with the sandbox
            assertThat(Files.readString(dir.resolve("child.log"))).doesNotContain("could not remove");
        } finally {
            child.destroyForcibly();
        }
    }
}
