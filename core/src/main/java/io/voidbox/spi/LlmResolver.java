package io.voidbox.spi;

import io.voidbox.AgentOptions.Runner;
import io.voidbox.LlmConfig;
import io.voidbox.spi.support.CredentialProxy;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Turns a box's {@link LlmConfig} into the provider, model and CLI environment for one run in a
 * given sandbox (the model endpoint address depends on where the agent runs). One per agent CLI:
 * each CLI reads its endpoint and key from its own variables and speaks its own API.
 */
public interface LlmResolver extends AutoCloseable {
    /** The agent CLI whose environment this resolver fills. */
    default Runner runner() {
        return Runner.CLAUDE_CODE;
    }

    Resolved resolve(String box, LlmConfig llm, SandboxEnvironment sandbox);

    /**
     * {@link #resolve(String, LlmConfig, SandboxEnvironment)} knowing the stage's input (the
     * previous stage's output, empty for the first), e.g. for the scripted model's default answer,
     * which reports its size. The engine calls this one.
     */
    default Resolved resolve(String box, LlmConfig llm, SandboxEnvironment sandbox, String input) {
        return resolve(box, llm, sandbox);
    }

    /** Releases per-box resources (e.g. a scripted route). */
    default void release(Resolved resolved) {}

    /**
     * The tokens the host counted for {@code resolved} so far (its credential proxy route), asked
     * by the engine after the agent ran and before {@link #release(Resolved)}; empty when the box's
     * model calls do not pass through a host-side proxy.
     */
    default Optional<CredentialProxy.Counted> counted(Resolved resolved) {
        return Optional.empty();
    }

    /**
     * Secret values this resolver has read (API keys) or issued (proxy tokens) so far: the engine
     * redacts them from events and logs.
     */
    default Set<String> secrets() {
        return Set.of();
    }

    @Override
    default void close() {}

    /** {@code env} may hold a secret: never log values. */
    record Resolved(String provider, String model, Map<String, String> env, String routeKey) {
        public Resolved {
            env = Map.copyOf(env);
        }

        @Override
        public String toString() {
            return "Resolved[provider=" + provider + ", model=" + model + ", env=" + env.keySet() + "]";
        }
    }
}
