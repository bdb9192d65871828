package io.voidbox.spi;

import io.voidbox.AgentOptions;
import java.time.Duration;
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

    @Override
    public String toString() {
        return "AgentInvocation[box=" + box + ", provider=" + provider + ", model=" + model + ", env=" + env.keySet()
                + "]";
    }
}
