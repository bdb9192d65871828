package io.voidbox.protocol;

import java.io.IOException;

/** The guest refused the handshake ({@link Message.HelloReject}) or did not answer in time. */
public class HandshakeException extends IOException {
    public HandshakeException(String message) {
        super(message);
    }
}
