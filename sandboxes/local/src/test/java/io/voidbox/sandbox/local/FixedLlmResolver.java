package io.voidbox.sandbox.local;

import io.voidbox.LlmConfig;
import io.voidbox.spi.LlmResolver;
import io.voidbox.spi.SandboxEnvironment;
import java.util.Map;

/** Resolves every box to a fixed fake model; for engine tests that use {@link ShellAgentRunner}. */
public final class FixedLlmResolver implements LlmResolver {
    @Override
    public Resolved resolve(String box, LlmConfig llm, SandboxEnvironment sandbox) {
        return new Resolved("scripted", "fake-model", Map.of(), box);
    }
}
