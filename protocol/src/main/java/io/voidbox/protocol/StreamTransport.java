package io.voidbox.protocol;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * A transport over a stream pair and the one thing that owns both streams: closing the transport
 * closes that owner (a socket channel, a device file, or the pair itself for {@link Transport#of}).
 */
sealed class StreamTransport implements Transport permits DeviceTransport, UnixSocketTransport {
    private final InputStream input;
    private final OutputStream output;
    private final String description;
    private final Closeable owner;

    StreamTransport(InputStream input, OutputStream output, String description, Closeable owner) {
        this.input = input;
        this.output = output;
        this.description = description;
        this.owner = owner;
    }

    @Override
    public final InputStream input() {
        return input;
    }

    @Override
    public final OutputStream output() {
        return output;
    }

    @Override
    public final String description() {
        return description;
    }

    @Override
    public final void close() throws IOException {
        owner.close();
    }
}
