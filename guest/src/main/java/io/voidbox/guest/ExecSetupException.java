package io.voidbox.guest;

/** An exec could not be started as asked (unknown user, missing wrapper, bad cwd); the message is sent to the host. */
final class ExecSetupException extends Exception {
    ExecSetupException(String message) {
        super(message);
    }
}
