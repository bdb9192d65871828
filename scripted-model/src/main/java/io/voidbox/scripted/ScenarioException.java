package io.voidbox.scripted;

/**
 * A scenario file is invalid. The message names the file and the field, e.g.
 * {@code scenario.yaml: turns[2].tool_use[0].name: missing}.
 */
public final class ScenarioException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public ScenarioException(String message) {
        super(message);
    }

    public ScenarioException(String message, Throwable cause) {
        super(message, cause);
    }
}
