package io.voidbox.spi;

/** A sandbox could not be started or broke down (VM did not boot, guest crashed, ...). */
public class SandboxException extends Exception {
    public SandboxException(String message) {
        super(message);
    }

    public SandboxException(String message, Throwable cause) {
        super(message, cause);
    }
}
