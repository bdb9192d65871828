package io.voidbox.guest;

/** One-line messages to stderr, which is the VM console. Never pass secrets here. */
final class Log {
    private Log() {}

    static void info(String message) {
        System.err.println("voidbox-guest: " + message);
    }

    static void warn(String message) {
        System.err.println("voidbox-guest: WARNING " + message);
    }
}
