package io.voidbox.spi;

import java.nio.file.Path;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * The files an agent CLI needs inside a sandbox that does not see the host's file system (a VM):
 * one host directory, which the sandbox makes available read-only at {@code /opt/NAME}, with its
 * {@code executable} on the {@code PATH} as {@code /usr/bin/NAME}. A runner offers its own
 * ({@link AgentRunner#payload()}) so that sandboxes carry only what the box's agent needs;
 * sandboxes that run agents from the host (local) ignore it.
 *
 * @param name       the directory and command name inside the sandbox ({@code [a-z][a-z0-9-]{0,15}})
 * @param hostDir    the host directory, resolved when a sandbox first needs it (may install on first use)
 * @param executable the agent CLI, relative to {@code hostDir} (e.g. {@code bin/codex})
 */
public record AgentPayload(String name, Supplier<Path> hostDir, String executable) {
    public AgentPayload {
        if (name == null || !name.matches("[a-z][a-z0-9-]{0,15}"))
            throw new IllegalArgumentException(
                    "agent payload name must match [a-z][a-z0-9-]{0,15}, got '" + name + "'");
        Objects.requireNonNull(hostDir, "hostDir");
        if (executable == null
                || !executable.matches("[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)*")
                || executable.matches("(.*/)?\\.\\.?(/.*)?"))
            throw new IllegalArgumentException("agent payload " + name
                    + ": executable must be a relative path inside its directory, got '" + executable + "'");
    }

    /** Where the sandbox shows the directory: {@code /opt/NAME}. */
    public String sandboxDir() {
        return "/opt/" + name;
    }

    /** The command inside the sandbox: {@code /usr/bin/NAME}, a link to the executable. */
    public String sandboxCommand() {
        return "/usr/bin/" + name;
    }
}
