package io.voidbox.guest;

import static org.assertj.core.api.Assertions.assertThat;

import io.voidbox.protocol.Connection;
import io.voidbox.protocol.Message.ExecExit;
import io.voidbox.protocol.Message.ExecOutput;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Exec through the real agent: streaming, exit codes, timeouts and cancel kill the whole group. */
@Timeout(60)
class ExecTest {
    @TempDir
    Path dir;

    private GuestHarness guest;
    private Connection host;

    @BeforeEach
    void start() throws Exception {
        guest = new GuestHarness(dir);
        host = guest.connect(GuestHarness.SECRET);
    }

    @AfterEach
    void stop() throws Exception {
        host.close();
        guest.close();
    }

    /** Collected output of one exec. */
    static final class Collected implements Connection.ExecListener {
        final ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        final ByteArrayOutputStream stderr = new ByteArrayOutputStream();
        final CompletableFuture<Long> firstOutputNanos = new CompletableFuture<>();
        volatile long exitNanos;

        @Override
        public synchronized void onOutput(int stream, byte[] chunk) {
            (stream == ExecOutput.STDOUT ? stdout : stderr).writeBytes(chunk);
            firstOutputNanos.complete(System.nanoTime());
        }

        @Override
        public void onExit(ExecExit exit) {
            exitNanos = System.nanoTime();
        }

        synchronized String out() {
            return stdout.toString();
        }

        synchronized String err() {
            return stderr.toString();
        }
    }

    private ExecExit run(Collected c, String script, Duration timeout) throws Exception {
        return host.exec(List.of("sh", "-c", script), Map.of("GREETING", "hi there"), null, timeout, null, c)
                .exit()
                .get(30, TimeUnit.SECONDS);
    }

    @Test
    void streamsStdoutAndStderrAndReportsExitCode() throws Exception {
        var c = new Collected();
        ExecExit exit = run(c, "echo \"$GREETING\"; echo oops >&2; pwd; exit 3", null);
        assertThat(exit.exitCode()).isEqualTo(3);
        assertThat(exit.timedOut()).isFalse();
        assertThat(exit.error()).isNull();
        assertThat(c.out()).isEqualTo("hi there\n" + guest.workspace.toRealPath() + "\n");
        assertThat(c.err()).isEqualTo("oops\n");
    }

    @Test
    void outputArrivesBeforeTheCommandEnds() throws Exception {
        var c = new Collected();
        ExecExit exit = run(c, "printf partial; sleep 2; echo done", null);
        assertThat(exit.exitCode()).isZero();
        assertThat(c.out()).isEqualTo("partialdone\n");
        assertThat(c.exitNanos - c.firstOutputNanos.get())
                .as("first chunk (no newline) came ~2 s before the exit")
                .isGreaterThan(TimeUnit.MILLISECONDS.toNanos(1000));
    }

    @Test
    void commandExceedingTimeoutIsKilledWithItsWholeProcessGroup() throws Exception {
        var c = new Collected();
        long start = System.nanoTime();
        ExecExit exit = run(c, "echo $$; sleep 30 & sleep 30", Duration.ofMillis(500));
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
        assertThat(exit.timedOut()).isTrue();
        assertThat(exit.exitCode()).isEqualTo(137);
        assertThat(exit.error()).isEqualTo("timed out after 500 ms");
        assertGroupGone(Long.parseLong(c.out().trim()));
    }

    @Test
    void cancelKillsTheWholeProcessGroup() throws Exception {
        var c = new Collected();
        var handle = host.exec(
                List.of("sh", "-c", "echo $$; sleep 30 & sleep 30"), Map.of(), null, Duration.ofSeconds(60), null, c);
        long pgid =
                Long.parseLong(c.firstOutputNanos.thenApply(t -> c.out().trim()).get(10, TimeUnit.SECONDS));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (ProcessGroups.members(pgid).size() < 3 && System.nanoTime() < deadline) Thread.sleep(20);
        assertThat(ProcessGroups.members(pgid))
                .as("sh and both sleeps run in the exec's own group")
                .hasSize(3);
        handle.cancel();
        ExecExit exit = handle.exit().get(10, TimeUnit.SECONDS);
        assertThat(exit.timedOut()).isFalse();
        assertThat(exit.error()).isEqualTo("cancelled");
        assertGroupGone(pgid);
    }

    @Test
    void backgroundProcessesDoNotOutliveTheirExec() throws Exception {
        var c = new Collected();
        ExecExit exit = run(c, "echo $$; sleep 30 >/dev/null 2>&1 &", Duration.ofSeconds(20));
        assertThat(exit.exitCode()).isZero();
        assertGroupGone(Long.parseLong(c.out().trim()));
    }

    @Test
    void runsAsUnprivilegedUser() throws Exception {
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "switching users needs root");
        Assumptions.assumeTrue(Files.readString(Path.of("/etc/passwd")).contains("\nnobody:"), "needs user nobody");
        Assumptions.assumeTrue(UserSwitch.detect().isPresent(), "needs setpriv, chpst or setuidgid");
        var c = new Collected();
        ExecExit exit = host.exec(
                        List.of("sh", "-c", "id -u; echo $HOME"), Map.of(), "/", Duration.ofSeconds(20), "nobody", c)
                .exit()
                .get(30, TimeUnit.SECONDS);
        assertThat(exit.error()).isNull();
        assertThat(c.out()).startsWith("65534\n");
    }

    @Test
    void unknownUserIsAnErrorNotRoot() throws Exception {
        var c = new Collected();
        ExecExit exit = host.exec(List.of("id"), Map.of(), null, null, "no-such-user-xyz", c)
                .exit()
                .get(30, TimeUnit.SECONDS);
        assertThat(exit.exitCode()).isEqualTo(-1);
        assertThat(exit.error()).startsWith("unknown user 'no-such-user-xyz'");
        assertThat(c.out()).isEmpty();
    }

    @Test
    void missingCwdAndMissingProgramAreErrors() throws Exception {
        var c = new Collected();
        ExecExit badCwd = host.exec(List.of("true"), Map.of(), "/no/such/dir", null, null, c)
                .exit()
                .get(30, TimeUnit.SECONDS);
        assertThat(badCwd.error()).isEqualTo("cwd is not a directory: /no/such/dir");
        ExecExit badProgram = host.exec(List.of("/no/such/program"), Map.of(), null, null, null, c)
                .exit()
                .get(30, TimeUnit.SECONDS);
        assertThat(badProgram.exitCode()).isNotZero();
    }

    private static void assertGroupGone(long pgid) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!ProcessGroups.members(pgid).isEmpty() && System.nanoTime() < deadline) Thread.sleep(20);
        assertThat(ProcessGroups.members(pgid))
                .as("processes left in group " + pgid)
                .isEmpty();
    }
}
