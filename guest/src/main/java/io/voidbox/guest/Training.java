package io.voidbox.guest;

import io.voidbox.protocol.Connection;
import io.voidbox.protocol.UnixSocketTransport;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

/**
 * One short in-process round of the agent's real request path (handshake, exec of {@code true},
 * file write/read/stat, telemetry, shutdown) over a private Unix socket. Under TCG every class
 * loaded costs a lot: the image builder runs this once on the host ({@code GuestAgent --train}) to
 * record the JDK AOT cache, so the guest JVM starts with these classes already loaded and linked.
 * (Running it in the background at boot was measured too: it competed with the first real exec
 * for the single vCPU and made it slower.)
 */
final class Training {
    private Training() {}

    /**
     * Runs one round in a fresh dir under {@code parent} and removes it; {@code user} null runs the
     * exec as root. Throws when any step failed, so a build does not record a half-trained cache.
     */
    static void run(Path parent, String user) throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory(parent, "voidbox-train");
        try {
            round(dir, user);
        } finally {
            try (Stream<Path> s = Files.walk(dir)) {
                s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static void round(Path dir, String user) throws IOException, InterruptedException {
        byte[] secret = new byte[32];
        ThreadLocalRandom.current().nextBytes(secret); // private 0700 dir: no need for SecureRandom's start-up cost
        var config = GuestConfig.defaults(secret)
                .withFileRoots(List.of(dir))
                .withTelemetryIntervalMs(GuestConfig.MIN_TELEMETRY_MS)
                .withDrainGraceMs(200);
        var agent = new GuestAgent(config);
        try (var listener = UnixSocketTransport.listen(dir.resolve("train.sock"))) {
            Thread guest = Thread.ofPlatform()
                    .daemon()
                    .name("voidbox-train-guest")
                    .start(() -> {
                        try {
                            agent.serve(listener.accept(Duration.ofSeconds(30)));
                        } catch (IOException e) {
                            Log.warn("training: " + e.getMessage());
                        }
                    });
            try (Connection c = Connection.connect(
                    UnixSocketTransport.connect(listener.path()), secret, Duration.ofSeconds(30), b -> {})) {
                var out = new StringBuilder();
                var exec = c.exec(
                        List.of("true"),
                        Map.of("VOIDBOX_TRAINING", "1"),
                        dir.toString(),
                        Duration.ofSeconds(30),
                        user,
                        (stream, chunk) -> out.append(new String(chunk, StandardCharsets.UTF_8)));
                int code = exec.exit().get(30, TimeUnit.SECONDS).exitCode();
                if (code != 0) throw new IOException("training exec of 'true' exited " + code + ": " + out);
                String file = dir.resolve("train.txt").toString();
                c.writeFile(file, "voidbox".getBytes(StandardCharsets.UTF_8), 0).get(30, TimeUnit.SECONDS);
                c.readFile(file).get(30, TimeUnit.SECONDS);
                c.stat(file).get(30, TimeUnit.SECONDS);
                c.shutdown().get(30, TimeUnit.SECONDS);
            } catch (ExecutionException | TimeoutException e) {
                throw new IOException("training round failed: " + e, e);
            }
            guest.join(10_000);
        }
    }
}
