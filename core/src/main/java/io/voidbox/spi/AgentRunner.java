package io.voidbox.spi;

import io.voidbox.AgentOptions.Runner;
import java.io.IOException;
import java.util.Optional;

/**
 * Runs one agent CLI inside a started sandbox and reports what it does while it runs (through the
 * box scope). The
 * engine owns the sandbox; the runner only executes in it.
 */
public interface AgentRunner {
    /** Short name used in events and span names: the runner's {@link Runner#agent()} unless overridden. */
    default String name() {
        return runner().agent();
    }

    /** The agent CLI this runner runs: boxes pick their runner by {@code Box.agent().runner()}. */
    default Runner runner() {
        return Runner.CLAUDE_CODE;
    }

    /**
     * The files this agent CLI needs inside a sandbox that does not share the host's file system
     * (a VM); empty: the sandbox already carries it (Claude Code is in the guest image).
     */
    default Optional<AgentPayload> payload() {
        return Optional.empty();
    }

    AgentOutcome run(AgentInvocation invocation, Sandbox sandbox, BoxScope scope)
            throws IOException, InterruptedException;
}
