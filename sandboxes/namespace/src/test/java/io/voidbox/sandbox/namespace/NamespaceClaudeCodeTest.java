package io.voidbox.sandbox.namespace;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.voidbox.Box;
import io.voidbox.LlmConfig;
import io.voidbox.LlmConfig.Provider;
import io.voidbox.Pipeline;
import io.voidbox.PipelineResult;
import io.voidbox.SandboxOptions;
import io.voidbox.SandboxOptions.Backend;
import io.voidbox.StageResult;
import io.voidbox.VoidBox;
import io.voidbox.agent.claude.ClaudeCli;
import io.voidbox.event.RunEvent;
import io.voidbox.sandbox.local.RecordingListener;
import io.voidbox.scripted.Scenario;
import io.voidbox.scripted.ScriptedModelServer;
import io.voidbox.spi.support.KeyRecordingRelay;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real Claude Code CLI in namespace boxes: its model endpoint (a port on the host's loopback)
 * works through the box's forwarder, and the API key never enters the box: the agent looks for it
 * in its environment, every {@code /proc/PID/environ} and the files it can read, and finds nothing,
 * while its model calls reach the provider with the real key (recorded on the provider's side).
 */
class NamespaceClaudeCodeTest {
    private static final String SECRET = "sk-ant-namespace-test-" + System.nanoTime();

    @TempDir
    Path tmp;

    @Test
    void realClaudeCodeReachesItsModelAndNeverHoldsTheKey() throws Exception {
        Path claude = ClaudeCli.binary();
        NamespaceSandboxProvider provider = new NamespaceSandboxProvider(() -> claude, System.getenv());
        Optional<String> why = provider.unavailableReason();
        assumeTrue(why.isEmpty(), () -> "namespace sandbox unavailable here: " + why.orElse(""));

        RecordingListener events = new RecordingListener();
        SandboxOptions namespace = SandboxOptions.defaults().withBackend(Backend.NAMESPACE);
        try (ScriptedModelServer scripted = ScriptedModelServer.start(ScriptedModelServer.Options.DEFAULTS);
                KeyRecordingRelay upstream = KeyRecordingRelay.to(scripted.baseUrl(
                        "127.0.0.1",
                        scripted.register(
                                Scenario.parse(KeyRecordingRelay.lookForKeyScenario(SECRET), "keys.yaml"), Map.of())));
                KeyRecordingRelay direct = KeyRecordingRelay.to(scripted.baseUrl(
                        "127.0.0.1",
                        scripted.register(
                                Scenario.parse(KeyRecordingRelay.lookForKeyScenario(SECRET), "keys.yaml"),
                                Map.of())))) {
            Box offline = Box.named("offline")
                    .prompt("Look around.")
                    .sandbox(namespace)
                    .timeout(Duration.ofSeconds(120))
                    .build();
            // the default: no credential_proxy field, the key stays on the host
            Box proxied = Box.named("proxied")
                    .prompt("Check the keys.")
                    .llm(new LlmConfig(
                            Optional.of(Provider.CUSTOM),
                            Optional.of("claude-sonnet-4-5"),
                            Optional.of(upstream.baseUrl()),
                            Optional.of("VBX_NS_TEST_KEY"),
                            Optional.empty()))
                    .sandbox(namespace)
                    .timeout(Duration.ofSeconds(120))
                    .build();
            // the control: a box that opts out holds the key, and the same probe finds it
            Box optedOut = Box.named("opted-out")
                    .prompt("Check the keys.")
                    .llm(new LlmConfig(
                            Optional.of(Provider.CUSTOM),
                            Optional.of("claude-sonnet-4-5"),
                            Optional.of(direct.baseUrl()),
                            Optional.of("VBX_NS_TEST_KEY"),
                            Optional.empty(),
                            Optional.of(false)))
                    .sandbox(namespace)
                    .timeout(Duration.ofSeconds(120))
                    .build();
            PipelineResult r;
            try (VoidBox vb = VoidBox.builder()
                    .sandboxProvider(provider)
                    .claudeExecutable(() -> claude)
                    .environment(Map.of("VBX_NS_TEST_KEY", SECRET))
                    .listener(events)
                    .build()) {
                r = vb.run(Pipeline.named("ns-claude", offline).pipe(proxied).pipe(optedOut), "");
            }
            assertThat(r.success()).as(events.events().toString()).isTrue();
            assertThat(r.stages()).extracting(StageResult::backend).containsOnly("namespace");
            // the default scripted answer, over the box's forwarded loopback port (through the proxy too)
            assertThat(r.stages().getFirst().resultText()).contains("Box offline answered offline");

            String bashOutput = bashOutput(events, "proxied");
            // nothing found anywhere, and nothing had to be redacted: the box holds only its proxy token
            assertThat(bashOutput)
                    .contains("env=0 proc=0 files=0 holds=vbx-proxy-")
                    .doesNotContain("[REDACTED]");
            // while every model call reached the provider with the real key, added on the host
            assertThat(upstream.keysSeen()).isNotEmpty().containsOnly(SECRET);
            // the control found the key in its environment and in /proc (and had it redacted on the way out)
            assertThat(bashOutput(events, "opted-out")).contains("env=1 proc=").doesNotContain("proc=0");
            assertThat(direct.keysSeen()).contains(SECRET);
            assertThat(events.events().toString()).doesNotContain(SECRET);
        }
    }

    private static String bashOutput(RecordingListener events, String box) {
        return events.of(RunEvent.AgentToolResult.class).stream()
                .filter(t -> t.box().equals(box))
                .map(RunEvent.AgentToolResult::output)
                .findFirst()
                .orElseThrow();
    }
}
