package io.voidbox.spec;

import java.util.List;
import java.util.stream.Collectors;

/**
 * A spec file is invalid. Carries every error found (not just the first); the message lists them
 * one per line as {@code FILE:LINE:COL: path: message}, ready to print to a user.
 */
public final class SpecException extends Exception {

    private final String file;
    private final List<SpecError> errors;

    public SpecException(String file, List<SpecError> errors) {
        super(errors.stream().map(e -> e.format(file)).collect(Collectors.joining("\n")));
        if (errors.isEmpty()) {
            throw new IllegalArgumentException("a SpecException needs at least one error");
        }
        this.file = file;
        this.errors = List.copyOf(errors);
    }

    /** The file name used in messages. */
    public String file() {
        return file;
    }

    /** Every error, in document order. */
    public List<SpecError> errors() {
        return errors;
    }
}
