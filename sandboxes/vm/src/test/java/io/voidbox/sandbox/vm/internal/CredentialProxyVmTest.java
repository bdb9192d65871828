package io.voidbox.sandbox.vm.internal;

import static org.assertj.core.api.Assertions.assertThat;

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
import io.voidbox.sandbox.vm.VmSandboxProvider;
import io.voidbox.sandbox.vm.VmTestSupport.VmTest;
import io.voidbox.scripted.Scenario;
import io.voidbox.scripted.ScriptedModelServer;
import io.voidbox.spi.support.KeyRecordingRelay;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * The API key never enters a micro-VM: the real Claude Code CLI inside the guest looks for the key
 * in its environment, every {@code /proc/PID/environ} it can read and the guest's files, and finds
 * nothing, while its model calls (through the box's tunnel to the host's credential proxy) reach
 * the provider with the real key, recorded on the provider's side.
 */
@VmTest
class CredentialProxyVmTest {
    private static final String SECRET = "sk-ant-vm-test-" + System.nanoTime();

    @Test
    void realClaudeCodeInTheGuestNeverHoldsTheKeyWhileItsModelCallsCarryIt(VmSandboxProvider vm) throws Exception {
        List<RunEvent> events = new CopyOnWriteArrayList<>();
        try (ScriptedModelServer scripted = ScriptedModelServer.start(ScriptedModelServer.Options.DEFAULTS);
                KeyRecordingRelay upstream = KeyRecordingRelay.to(scripted.baseUrl(
                        "127.0.0.1",
                        scripted.register(
                                Scenario.parse(KeyRecordingRelay.lookForKeyScenario(SECRET), "keys.yaml"),
                                Map.of())))) {
            // the default: no credential_proxy field, the key stays on the host
            Box box = Box.named("proxied")
                    .prompt("Check the keys.")
                    .llm(new LlmConfig(
                            Optional.of(Provider.CUSTOM),
                            Optional.of("claude-sonnet-4-5"),
                            Optional.of(upstream.baseUrl()),
                            Optional.of("VBX_VM_TEST_KEY"),
                            Optional.empty()))
                    .sandbox(SandboxOptions.defaults().withBackend(Backend.VM))
                    .timeout(Duration.ofSeconds(600))
                    .build();
            PipelineResult r;
            try (VoidBox vb = VoidBox.builder()
                    .sandboxProvider(vm)
                    .claudeExecutable(ClaudeCli::binary)
                    .environment(Map.of("VBX_VM_TEST_KEY", SECRET))
                    .listener(events::add)
                    .build()) {
                r = vb.run(Pipeline.named("vm-key", box), "");
            }
            assertThat(r.success()).as(events.toString()).isTrue();
            assertThat(r.stages()).extracting(StageResult::backend).containsOnly("vm");
            String bashOutput = events.stream()
                    .filter(e -> e instanceof RunEvent.AgentToolResult)
                    .map(e -> ((RunEvent.AgentToolResult) e).output())
                    .findFirst()
                    .orElseThrow(() -> new AssertionError(events.toString()));
            // nothing found anywhere, and nothing had to be redacted: the guest holds only its proxy token
            assertThat(bashOutput)
                    .contains("env=0 proc=0 files=0 holds=vbx-proxy-")
                    .doesNotContain("[REDACTED]");
            assertThat(upstream.keysSeen()).isNotEmpty().containsOnly(SECRET);
            assertThat(events.toString()).doesNotContain(SECRET);
            // the host counted the box's tokens and they agree with what the agent reports
            assertThat(events)
                    .filteredOn(e -> e instanceof RunEvent.UsageCounted)
                    .singleElement()
                    .satisfies(e ->
                            assertThat(((RunEvent.UsageCounted) e).mismatch()).isFalse());
        }
    }
}
