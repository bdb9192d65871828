package io.voidbox.sandbox.vm.internal;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A minimal client of QEMU's QMP monitor (JSON lines on a unix socket): enough to stop, migrate,
 * query and continue a machine. Commands are fixed JSON texts built here; replies are read line
 * by line, asynchronous events skipped, and an {@code "error"} reply becomes an IOException.
 */
final class Qmp implements AutoCloseable {
    private static final Pattern ERROR_DESC = Pattern.compile("\"desc\":\\s*\"((?:[^\"\\\\]|\\\\.)*)\"");
    private static final Pattern STATUS = Pattern.compile("\"status\":\\s*\"([a-z-]+)\"");

    private final SocketChannel channel;
    private final BufferedReader in;
    private final OutputStream out;

    private Qmp(SocketChannel channel) {
        this.channel = channel;
        this.in = new BufferedReader(new InputStreamReader(Channels.newInputStream(channel), StandardCharsets.UTF_8));
        this.out = Channels.newOutputStream(channel);
    }

    /** Connects (retrying while QEMU creates the socket, up to {@code timeout}) and leaves capabilities negotiation. */
    static Qmp connect(Path socket, Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
            try {
                ch.connect(UnixDomainSocketAddress.of(socket));
                Qmp q = new Qmp(ch);
                String greeting = q.in.readLine();
                if (greeting == null || !greeting.contains("\"QMP\""))
                    throw new IOException("QMP " + socket + ": unexpected greeting " + greeting);
                q.execute("{\"execute\":\"qmp_capabilities\"}");
                return q;
            } catch (IOException e) {
                ch.close();
                if (System.nanoTime() > deadline) throw new IOException("QMP " + socket + ": " + e.getMessage(), e);
                Thread.sleep(20);
            }
        }
    }

    /** Sends one command and returns its {@code "return"} reply line; an {@code "error"} reply throws. */
    String execute(String json) throws IOException {
        out.write((json + "\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
        for (String line; (line = in.readLine()) != null; ) {
            if (line.startsWith("{\"event\"") || line.startsWith("{\"timestamp\"")) continue;
            if (line.contains("\"error\"")) {
                Matcher m = ERROR_DESC.matcher(line);
                throw new IOException("QMP " + json + " failed: " + (m.find() ? m.group(1) : line));
            }
            if (line.contains("\"return\"")) return line;
        }
        throw new IOException("QMP closed while waiting for the reply to " + json);
    }

    /** The {@code "status"} field of a reply ({@code query-status}, {@code query-migrate}). */
    static Optional<String> status(String reply) {
        Matcher m = STATUS.matcher(reply);
        return m.find() ? Optional.of(m.group(1)) : Optional.empty();
    }

    /** A JSON string literal of {@code s}. */
    static String quote(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException e) {
            // QEMU went away
        }
    }
}
