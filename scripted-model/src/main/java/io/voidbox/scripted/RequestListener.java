package io.voidbox.scripted;

/**
 * Receives every request the scripted model server handled, on the request's thread; must be quick
 * and must not throw.
 */
@FunctionalInterface
public interface RequestListener {
    void onRequest(RequestRecord request);
}
