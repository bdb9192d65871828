package io.voidbox.sandbox.local;

import io.voidbox.Box;
import io.voidbox.Pipeline;
import io.voidbox.SandboxOptions;
import io.voidbox.SandboxOptions.Backend;
import io.voidbox.VoidBox;
import java.nio.file.Path;
import java.time.Duration;

/** Child JVM for {@link InterruptedRunTest}: runs a box whose agent sleeps, until the JVM is terminated. */
public final class InterruptedRunMain {
    public static void main(String[] args) {
        Box sleeper = Box.named("sleeper")
                .prompt("echo $$ > " + args[0] + "; sleep 300")
                .sandbox(SandboxOptions.defaults().withBackend(Backend.LOCAL))
                .timeout(Duration.ofMinutes(10))
                .build();
        try (VoidBox vb = VoidBox.builder()
                .sandboxProvider(new LocalSandboxProvider(() -> Path.of("/bin/false")))
                .agentRunner(new ShellAgentRunner())
                .llmResolver(new FixedLlmResolver())
                .build()) {
            vb.run(Pipeline.named("interrupted", sleeper), "");
        }
    }
}
