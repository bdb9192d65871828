package io.voidbox.scripted;

import java.util.Objects;

/**
 * A scripted failing request: the server answers with {@code status} and an Anthropic-style error
 * body. The CLI retries 5xx (and 429) and ends the run on other 4xx.
 *
 * @param status  HTTP status, 400..599
 * @param type    Anthropic error type, e.g. {@code api_error}, {@code overloaded_error}
 * @param message human-readable message (the CLI shows it as {@code API Error: STATUS message})
 */
public record ErrorTurn(int status, String type, String message) implements Turn {
    public ErrorTurn {
        if (status < 400 || status > 599) {
            throw new IllegalArgumentException("status must be 400..599, got " + status);
        }
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(message, "message");
    }
}
