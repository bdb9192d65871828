package io.voidbox.protocol;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Objects;

/**
 * A bidirectional byte channel between host and guest, whatever carries it: a Unix socket to
 * QEMU's chardev (host), the virtio-serial port device (guest), or plain streams (tests). AF_VSOCK
 * can be added behind the same interface. Whoever opens a transport owns it until it hands it to a
 * {@link Connection}, which then closes it.
 */
public interface Transport extends Closeable {

    /** The stream frames are read from; read by one thread only. */
    InputStream input();

    /** The stream frames are written to; callers serialize writes. */
    OutputStream output();

    /** For logs, e.g. {@code unix:/run/vb/box.sock}; never contains secrets. */
    String description();

    /** Idempotent. Unblocks a pending read where the platform allows (sockets do, device files may not). */
    @Override
    void close() throws IOException;

    /** Wraps an existing stream pair (stdin/stdout, pipes); {@link #close()} closes both. */
    static Transport of(InputStream in, OutputStream out, String description) {
        Objects.requireNonNull(in, "in");
        Objects.requireNonNull(out, "out");
        return new StreamTransport(in, out, description, () -> {
            try {
                out.close();
            } finally {
                in.close();
            }
        });
    }
}
