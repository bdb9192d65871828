package io.voidbox.sandbox.namespace;

import io.voidbox.Box;
import io.voidbox.Pipeline;
import io.voidbox.SandboxOptions;
import io.voidbox.SandboxOptions.Backend;
import io.voidbox.VoidBox;
import io.voidbox.sandbox.local.FixedLlmResolver;
import io.voidbox.sandbox.local.ShellAgentRunner;
import java.nio.file.Path;
import java.time.Duration;

/** Child JVM for {@link NamespaceAttackTest}: a namespace box that starts a daemon and sleeps until the JVM is killed. */
public final class KilledRunMain {
    public static void main(String[] args) {
        Box sleeper = Box.named("sleeper")
                .prompt("setsid nohup sleep " + args[1] + " >/dev/null 2>&1 & echo ready > /workspace/ready; sleep "
                        + args[1])
                .sandbox(SandboxOptions.defaults().withBackend(Backend.NAMESPACE))
                .timeout(Duration.ofMinutes(10))
                .build();
        try (VoidBox vb = VoidBox.builder()
                .sandboxProvider(new NamespaceSandboxProvider(() -> Path.of("/usr/bin/true"), System.getenv()))
                .agentRunner(new ShellAgentRunner())
                .llmResolver(new FixedLlmResolver())
                .listener(e -> System.out.println(e.type() + " " + e))
                .build()) {
            vb.run(Pipeline.named("killed", sleeper), "");
        }
    }
}
