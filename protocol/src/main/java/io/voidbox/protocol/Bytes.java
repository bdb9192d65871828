package io.voidbox.protocol;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * The bytes a {@link Message} carries (a secret, a chunk of output, a file's content): immutable,
 * so a message can be shared between threads and queued without anyone changing it underneath;
 * equal by content; and printed by size only ({@code <N bytes>}), so logging a message never shows
 * a secret or a file.
 */
public final class Bytes {
    private final byte[] bytes;

    private Bytes(byte[] bytes) {
        this.bytes = bytes;
    }

    /** A copy of {@code bytes}. */
    public static Bytes of(byte[] bytes) {
        return new Bytes(bytes.clone());
    }

    /** A copy of the first {@code length} bytes of {@code buffer} (e.g. what one read filled). */
    public static Bytes of(byte[] buffer, int length) {
        return new Bytes(Arrays.copyOf(buffer, length));
    }

    /** Takes {@code bytes} without a copy: only for arrays nobody else holds (what the decoder just read). */
    static Bytes wrap(byte[] bytes) {
        return new Bytes(bytes);
    }

    public int length() {
        return bytes.length;
    }

    /** A copy of the bytes. */
    public byte[] toArray() {
        return bytes.clone();
    }

    /** The bytes as a read-only buffer (no copy). */
    public ByteBuffer asReadOnlyBuffer() {
        return ByteBuffer.wrap(bytes).asReadOnlyBuffer();
    }

    /** The array itself, for the encoder, which only reads it. */
    byte[] array() {
        return bytes;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Bytes b && Arrays.equals(b.bytes, bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    /** {@code <N bytes>}: never the content. */
    @Override
    public String toString() {
        return "<" + bytes.length + " bytes>";
    }
}
