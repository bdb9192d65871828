package io.voidbox.spi;

import io.voidbox.AgentOptions;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * One agent run: the full prompt (input summary included), the model endpoint as environment
 * for the CLI, the stage timeout, and the agent's options (limits, tool policy, MCP servers).
 * {@code env} may hold an API key: never log it.
 */
public record AgentInvocation(
        String box,
        String prompt,
        String provider,
        String model,
        Map<String, String> env,
        Duration timeout,
        AgentOptions options) {
    public AgentInvocation {
        env = Map.copyOf(env);
    }

    /**
     * The agent process's environment: {@code HOME} of the sandbox, then the runner's own
     * settings, then this invocation's {@link #env} (model endpoint and key), which win.
     */
    public Map<String, String> processEnvironment(SandboxEnvironment sandbox, Map<String, String> runnerOwn) {
        Map<String, String> e = new HashMap<>();
        e.put("HOME", sandbox.homeDir());
        e.putAll(runnerOwn);
        e.putAll(env);
        return e;
    }

    @Override
    public String toString() {
        return "AgentInvocation[box=" + box + ", provider=" + provider + ", model=" + model + ", env=" + env.keySet()
                + "]";
    }
}
