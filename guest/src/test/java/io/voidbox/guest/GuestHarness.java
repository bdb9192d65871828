package io.voidbox.guest;

import io.voidbox.protocol.Connection;
import io.voidbox.protocol.TelemetryBatch;
import io.voidbox.protocol.UnixSocketTransport;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

/** A guest agent serving one Unix socket in a temp dir, and the host connection to it. */
final class GuestHarness implements AutoCloseable {
    static final byte[] SECRET = "0123456789abcdef-test-secret".getBytes(StandardCharsets.US_ASCII);

    final Path workspace;
    final Path home;
    final GuestAgent agent;
    final UnixSocketTransport.Listener listener;
    final CompletableFuture<GuestAgent.Outcome> outcome = new CompletableFuture<>();
    final LinkedBlockingQueue<TelemetryBatch> telemetry = new LinkedBlockingQueue<>();

    GuestHarness(Path dir, UnaryOperator<GuestConfig> customize) throws IOException {
        workspace = Files.createDirectories(dir.resolve("workspace"));
        home = Files.createDirectories(dir.resolve("home"));
        var config = GuestConfig.defaults(SECRET)
                .withFileRoots(List.of(workspace, home))
                .withTelemetryIntervalMs(100)
                .withDrainGraceMs(200);
        agent = new GuestAgent(customize.apply(config));
        listener = UnixSocketTransport.listen(dir.resolve("agent.sock"));
        Thread.ofVirtual().name("guest-under-test").start(() -> {
            try {
                outcome.complete(agent.serve(listener.accept(Duration.ofSeconds(10))));
            } catch (Throwable t) {
                outcome.completeExceptionally(t);
            }
        });
    }

    GuestHarness(Path dir) throws IOException {
        this(dir, b -> b);
    }

    Connection connect(byte[] secret) throws IOException, InterruptedException {
        return Connection.connect(
                UnixSocketTransport.connect(listener.path()), secret, Duration.ofSeconds(10), telemetry::add);
    }

    GuestAgent.Outcome outcome() throws Exception {
        return outcome.get(15, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws Exception {
        listener.close();
        outcome.get(15, TimeUnit.SECONDS);
    }
}
