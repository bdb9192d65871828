package io.voidbox.spec.internal;

import io.voidbox.AgentOptions;
import io.voidbox.AgentOptions.Runner;
import java.util.Optional;

/**
 * The {@code runner} field, at the top level and on pipeline boxes: which agent CLI a box runs
 * ({@code claude-code}, the default, or {@code codex}). A box's own value wins over the top-level one.
 */
final class RunnerField {
    static final String NAME = "runner";

    private RunnerField() {}

    /** The runner declared in {@code f}; empty when absent or invalid (the error is recorded). */
    static Optional<Runner> read(Fields f) {
        return f.choice(NAME, false, Runner.values(), Runner::id);
    }

    /** The agent options of a box ({@code declared}) with its own runner, else the top-level one, else the default. */
    static AgentOptions options(AgentOptions declared, Optional<Runner> box, Optional<Runner> top) {
        return box.or(() -> top).map(declared::withRunner).orElse(declared);
    }
}
