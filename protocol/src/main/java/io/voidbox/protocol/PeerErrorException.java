package io.voidbox.protocol;

import java.io.IOException;

/** The peer answered a request with {@link Message.Error}; the message is the peer's reason. */
public class PeerErrorException extends IOException {
    public PeerErrorException(String message) {
        super(message);
    }
}
