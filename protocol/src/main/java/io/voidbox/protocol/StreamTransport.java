package io.voidbox.protocol;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/** A transport over a given stream pair. */
record StreamTransport(InputStream input, OutputStream output, String description) implements Transport {
    @Override
    public void close() throws IOException {
        try {
            output.close();
        } finally {
            input.close();
        }
    }
}
