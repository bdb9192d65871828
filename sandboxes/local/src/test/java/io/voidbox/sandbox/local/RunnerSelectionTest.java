package io.voidbox.sandbox.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.voidbox.AgentOptions;
import io.voidbox.AgentOptions.Runner;
import io.voidbox.Box;
import io.voidbox.Failure;
import io.voidbox.LlmConfig;
import io.voidbox.Pipeline;
import io.voidbox.PipelineResult;
import io.voidbox.SandboxOptions;
import io.voidbox.SandboxOptions.Backend;
import io.voidbox.VoidBox;
import io.voidbox.event.RunEvent;
import io.voidbox.spi.AgentInvocation;
import io.voidbox.spi.AgentOutcome;
import io.voidbox.spi.AgentRunner;
import io.voidbox.spi.BoxScope;
import io.voidbox.spi.LlmResolver;
import io.voidbox.spi.Sandbox;
import io.voidbox.spi.SandboxEnvironment;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Each box runs the agent CLI it asks for ({@code AgentOptions.runner}), with that agent's model endpoints. */
class RunnerSelectionTest {
    private final RecordingListener events = new RecordingListener();

    /** The shell agent, registered as the Codex runner. */
    private static final class CodexShell implements AgentRunner {
        private final ShellAgentRunner shell = new ShellAgentRunner();

        @Override
        public Runner runner() {
            return Runner.CODEX;
        }

        @Override
        public AgentOutcome run(AgentInvocation inv, Sandbox sandbox, BoxScope scope)
                throws IOException, InterruptedException {
            return shell.run(inv, sandbox, scope);
        }
    }

    private static final class CodexEndpoints implements LlmResolver {
        @Override
        public Runner runner() {
            return Runner.CODEX;
        }

        @Override
        public Resolved resolve(String box, LlmConfig llm, SandboxEnvironment sandbox) {
            return new Resolved("scripted", "fake-codex-model", Map.of(), box);
        }
    }

    private static Box box(String name, String script, Runner runner) {
        return Box.named(name)
                .prompt(script)
                .agent(AgentOptions.DEFAULTS.withRunner(runner))
                .sandbox(SandboxOptions.defaults().withBackend(Backend.LOCAL))
                .timeout(Duration.ofSeconds(60))
                .build();
    }

    private VoidBox.Builder runtime() {
        return VoidBox.builder()
                .sandboxProvider(new LocalSandboxProvider(() -> Path.of("/bin/false")))
                .agentRunner(new ShellAgentRunner())
                .llmResolver(new FixedLlmResolver())
                .listener(events);
    }

    @Test
    void eachBoxRunsTheRunnerItAsksForWithThatRunnersEndpoints() {
        PipelineResult r;
        try (VoidBox vb = runtime()
                .agentRunner(new CodexShell())
                .llmResolver(new CodexEndpoints())
                .build()) {
            r = vb.run(
                    Pipeline.named("mixed", box("prepare", "echo prepared > out.txt; cat out.txt", Runner.CLAUDE_CODE))
                            .pipe(box("review", "echo reviewed: $(cat input.json)", Runner.CODEX)),
                    "");
        }

        assertThat(r.success()).as("%s", r.error()).isTrue();
        assertThat(r.finalOutput()).isEqualTo("reviewed: \"prepared\"");
        assertThat(events.of(RunEvent.AgentResult.class))
                .extracting(
                        RunEvent.AgentResult::box,
                        RunEvent.AgentResult::agent,
                        e -> e.usage().model())
                .containsExactly(tuple("prepare", "shell", "fake-model"), tuple("review", "codex", "fake-codex-model"));
    }

    @Test
    void aBoxWhoseRunnerIsMissingFailsBeforeItsSandboxStartsAndSaysWhichModuleToAdd() {
        PipelineResult r;
        try (VoidBox vb = runtime().build()) {
            r = vb.run(Pipeline.named("p", box("review", "echo never", Runner.CODEX)), "");
        }

        assertThat(r.success()).isFalse();
        Failure failure = r.stages().getFirst().failure().orElseThrow();
        assertThat(failure).isInstanceOf(Failure.SandboxError.class);
        assertThat(failure.type()).isEqualTo("sandbox_error");
        assertThat(failure.message())
                .contains("runner codex")
                .contains("agent runner")
                .contains("voidbox-agent-codex");
        assertThat(events.of(RunEvent.StageFailed.class)).hasSize(1);
        assertThat(events.of(RunEvent.BoxBooting.class))
                .as("no sandbox was started")
                .isEmpty();
        assertThat(events.of(RunEvent.AgentStarted.class)).isEmpty();
    }
}
