package io.voidbox.guest;

import static org.assertj.core.api.Assertions.assertThat;

import io.voidbox.protocol.Connection;
import io.voidbox.protocol.Message.ExecExit;
import io.voidbox.protocol.UnixSocketTransport;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The agent as its own JVM, configured through an injected kernel command line, as /init would start it. */
@Timeout(60)
class GuestAgentMainTest {
    @TempDir
    Path dir;

    @Test
    void mainReadsCmdlineServesAndExitsOnShutdown() throws Exception {
        Path workspace = Files.createDirectories(dir.resolve("ws"));
        String hex = HexFormat.of().formatHex(GuestHarness.SECRET);
        Path cmdline = Files.writeString(
                dir.resolve("cmdline"),
                "console=ttyS0 voidbox.secret=" + hex + " voidbox.telemetry_ms=200 voidbox.file_roots=" + workspace
                        + "\n");
        Path socket = dir.resolve("agent.sock");
        String java = ProcessHandle.current().info().command().orElse("java");
        Process agent = new ProcessBuilder(
                        java,
                        "-cp",
                        System.getProperty("java.class.path"),
                        GuestAgent.class.getName(),
                        "--cmdline",
                        cmdline.toString(),
                        "--unix-listen",
                        socket.toString())
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("agent.log").toFile())
                .start();
        try {
            UnixSocketTransport transport = UnixSocketTransport.connect(socket, Duration.ofSeconds(20));
            try (Connection host = Connection.connect(transport, GuestHarness.SECRET, Duration.ofSeconds(10), null)) {
                var out = new ByteArrayOutputStream();
                ExecExit exit = host.exec(
                                List.of("sh", "-c", "echo from-guest"),
                                Map.of(),
                                null,
                                Duration.ofSeconds(10),
                                null,
                                (stream, chunk) -> out.writeBytes(chunk))
                        .exit()
                        .get(20, TimeUnit.SECONDS);
                assertThat(exit.exitCode()).isZero();
                assertThat(out.toString()).isEqualTo("from-guest\n");
                host.writeFile("x.txt", new byte[] {42}, 0).get(10, TimeUnit.SECONDS);
                assertThat(workspace.resolve("x.txt")).hasBinaryContent(new byte[] {42});
                host.shutdown().get(10, TimeUnit.SECONDS);
            }
            assertThat(agent.waitFor(20, TimeUnit.SECONDS))
                    .as("agent exits after Shutdown")
                    .isTrue();
            assertThat(agent.exitValue()).isZero();
            String log = Files.readString(dir.resolve("agent.log"));
            assertThat(log)
                    .contains("voidbox-guest: ready")
                    .contains("shutdown requested by host")
                    .doesNotContain(hex);
            assertThat(socket).doesNotExist();
        } finally {
            agent.destroyForcibly();
        }
    }
}
