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
import io.voidbox.scripted.RequestRecord;
import io.voidbox.scripted.Scenario;
import io.voidbox.scripted.ScriptedModelServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real Claude Code CLI in namespace boxes: its model endpoint (a port on the host's loopback)
 * works through the box's forwarder, a box on the credential proxy holds only the placeholder key
 * (in its environment and in {@code /proc}), and the files it writes land in the workspace.
 */
class NamespaceClaudeCodeTest {
    private static final String SECRET = "sk-ant-namespace-test-" + System.nanoTime();
    private static final String LOOK_FOR_KEYS = """
            turns:
              - tool_use:
                  - name: Bash
                    input:
                      command: "env | grep -E '^ANTHROPIC_(API_KEY|BASE_URL)' | sed 's/=.*:[0-9]*/=URL/' ; tr '\\\\0' '\\\\n' < /proc/1/environ | grep -c '^ANTHROPIC_API_KEY=voidbox-credential-proxy$' ; echo probe > /workspace/probe.txt"
                usage: {input_tokens: 100, output_tokens: 10}
              - text: "checked"
                usage: {input_tokens: 100, output_tokens: 10}
            """;

    @TempDir
    Path tmp;

    @Test
    void realClaudeCodeReachesItsModelAndOnTheCredentialProxyNeverHoldsTheKey() throws Exception {
        Path claude = ClaudeCli.binary();
        NamespaceSandboxProvider provider = new NamespaceSandboxProvider(() -> claude, System.getenv());
        Optional<String> why = provider.unavailableReason();
        assumeTrue(why.isEmpty(), () -> "namespace sandbox unavailable here: " + why.orElse(""));

        List<RequestRecord> upstreamRequests = new CopyOnWriteArrayList<>();
        RecordingListener events = new RecordingListener();
        SandboxOptions namespace = SandboxOptions.defaults().withBackend(Backend.NAMESPACE);
        try (ScriptedModelServer upstream = ScriptedModelServer.start(ScriptedModelServer.Options.builder()
                .listener(upstreamRequests::add)
                .build())) {
            String route = upstream.register(Scenario.parse(LOOK_FOR_KEYS, "keys.yaml"), Map.of());
            Box offline = Box.named("offline")
                    .prompt("Look around.")
                    .sandbox(namespace)
                    .timeout(Duration.ofSeconds(120))
                    .build();
            Box proxied = Box.named("proxied")
                    .prompt("Check the keys.")
                    .llm(new LlmConfig(
                            Optional.of(Provider.CUSTOM),
                            Optional.of("claude-sonnet-4-5"),
                            Optional.of(upstream.baseUrl("127.0.0.1", route)),
                            Optional.of("VBX_NS_TEST_KEY"),
                            Optional.empty(),
                            Optional.of(true)))
                    .sandbox(namespace)
                    .timeout(Duration.ofSeconds(120))
                    .outputFile("probe.txt")
                    .build();
            PipelineResult r;
            try (VoidBox vb = VoidBox.builder()
                    .sandboxProvider(provider)
                    .claudeExecutable(() -> claude)
                    .environment(Map.of("VBX_NS_TEST_KEY", SECRET))
                    .listener(events)
                    .build()) {
                r = vb.run(Pipeline.named("ns-claude", offline).pipe(proxied), "");
            }
            assertThat(r.success()).as(events.events().toString()).isTrue();
            assertThat(r.stages()).extracting(StageResult::backend).containsOnly("namespace");
            // the default scripted answer, over the box's forwarded loopback port
            assertThat(r.stages().getFirst().resultText()).contains("Box offline answered offline");
            assertThat(r.stages().getLast().fileOutput()).contains("probe\n");
            assertThat(upstreamRequests).anySatisfy(q -> assertThat(q.method()).isEqualTo("POST"));

            String bashOutput = events.of(RunEvent.AgentToolResult.class).stream()
                    .filter(t -> t.box().equals("proxied"))
                    .map(RunEvent.AgentToolResult::output)
                    .findFirst()
                    .orElseThrow();
            assertThat(bashOutput)
                    .contains("ANTHROPIC_API_KEY=voidbox-credential-proxy")
                    .contains("ANTHROPIC_BASE_URL=URL")
                    .contains("1"); // /proc/1/environ holds the placeholder too
            assertThat(events.events().toString()).doesNotContain(SECRET);
        }
    }
}
