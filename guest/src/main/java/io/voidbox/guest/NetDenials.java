package io.voidbox.guest;

import io.voidbox.protocol.Connection;
import io.voidbox.protocol.Message.NetDenied;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reports the connection attempts the guest kernel refused. {@code /init} installs an nftables
 * rule that logs (prefix {@value #PREFIX}) every TCP reset the kernel sends for a connection
 * nothing listens for, and every ICMP port-unreachable, on the loopback device where all of a
 * box's addresses are routed; this reads those lines from {@code /dev/kmsg} as root (code in the
 * box cannot write kernel-facility records) and sends them to the host as {@link NetDenied},
 * summed per destination every {@link #FLUSH_MS} ms and bounded to {@link #MAX_KEYS} destinations
 * per report, so a box that connects in a loop costs the host a few messages per second.
 */
final class NetDenials implements AutoCloseable {
    static final String PREFIX = "vbx-denied ";
    static final long FLUSH_MS = 250;
    static final int MAX_KEYS = 64;

    /** One refused attempt: the destination (the reset's source) and its port. */
    record Denial(String destination, int port, String protocol) {}

    private static final Pattern TCP = Pattern.compile("SRC=(\\S+) DST=\\S+ .*?PROTO=TCP SPT=(\\d+)");
    private static final Pattern ICMP_INNER =
            Pattern.compile("\\[SRC=\\S+ DST=(\\S+) .*?PROTO=(UDP|TCP) SPT=\\d+ DPT=(\\d+)");

    private final Path kmsg;
    private final Map<Denial, Integer> pending = new LinkedHashMap<>();
    private long overflow;
    private volatile Connection connection;
    private volatile boolean closed;

    NetDenials(Path kmsg) {
        this.kmsg = kmsg;
    }

    /** Starts reading the kernel log and reporting, when it exists (in the VM). */
    NetDenials start() {
        if (!Files.isReadable(kmsg)) return this;
        Thread reader = new Thread(this::readLoop, "net-denied-kmsg");
        reader.setDaemon(true);
        reader.start();
        Thread.ofVirtual().name("net-denied-flush").start(this::flushLoop);
        return this;
    }

    /** Reports go to this connection from now on (null: none, attempts are dropped). */
    void connect(Connection c) {
        connection = c;
    }

    /**
     * The refused attempt a kernel log record describes, if it is one of ours: kernel facility
     * (the priority field below 8) and our prefix.
     */
    static Optional<Denial> parse(String record) {
        int semi = record.indexOf(';');
        if (semi < 0) return Optional.empty();
        String[] head = record.substring(0, semi).split(",");
        int prio;
        try {
            prio = Integer.parseInt(head[0]);
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
        String msg = record.substring(semi + 1);
        if (prio >= 8 || !msg.startsWith(PREFIX)) return Optional.empty();
        if (msg.contains(" PROTO=ICMP ")) {
            Matcher m = ICMP_INNER.matcher(msg);
            if (!m.find()) return Optional.empty();
            return Optional.of(new Denial(
                    m.group(1), Integer.parseInt(m.group(3)), m.group(2).toLowerCase(Locale.ROOT)));
        }
        Matcher m = TCP.matcher(msg);
        if (!m.find()) return Optional.empty();
        return Optional.of(new Denial(m.group(1), Integer.parseInt(m.group(2)), "tcp"));
    }

    private void readLoop() {
        byte[] buf = new byte[8192];
        try (InputStream in = new FileInputStream(kmsg.toFile())) {
            while (!closed) {
                int n;
                try {
                    n = in.read(buf); // one record per read
                } catch (IOException e) {
                    if (e.getMessage() != null && e.getMessage().contains("Broken pipe")) continue; // overwritten
                    throw e;
                }
                if (n < 0) return;
                parse(new String(buf, 0, n, StandardCharsets.UTF_8).strip()).ifPresent(this::add);
            }
        } catch (IOException e) {
            Log.warn("cannot read " + kmsg + ": " + e.getMessage() + " (refused connections are not reported)");
        }
    }

    private synchronized void add(Denial d) {
        if (pending.containsKey(d) || pending.size() < MAX_KEYS) pending.merge(d, 1, Integer::sum);
        else overflow++;
    }

    private void flushLoop() {
        while (!closed) {
            try {
                Thread.sleep(FLUSH_MS);
            } catch (InterruptedException e) {
                return;
            }
            flush();
        }
    }

    /** Sends what was read so far (the host is about to close the box: nothing read is lost in a timer). */
    void flush() {
        Map<Denial, Integer> batch;
        long more;
        synchronized (this) {
            if (pending.isEmpty() && overflow == 0) return;
            batch = new LinkedHashMap<>(pending);
            more = overflow;
            pending.clear();
            overflow = 0;
        }
        Connection c = connection;
        if (c == null) return;
        try {
            for (var e : batch.entrySet())
                c.send(new NetDenied(
                        0,
                        e.getKey().destination(),
                        e.getKey().port(),
                        e.getKey().protocol(),
                        e.getValue()));
            if (more > 0) c.send(new NetDenied(0, "", 0, "", (int) Math.min(more, Integer.MAX_VALUE)));
        } catch (IOException e) {
            // the connection is gone; the next one gets the next reports
        }
    }

    @Override
    public void close() {
        closed = true;
    }
}
