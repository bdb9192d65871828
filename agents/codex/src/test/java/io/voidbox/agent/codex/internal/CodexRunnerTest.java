package io.voidbox.agent.codex.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.voidbox.AgentOptions;
import io.voidbox.AgentOptions.Permissions;
import io.voidbox.spi.AgentInvocation;
import io.voidbox.spi.SandboxEnvironment;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The command line and environment Codex is started with, per backend. */
class CodexRunnerTest {
    private static final SandboxEnvironment LOCAL = new SandboxEnvironment(
            "local", Optional.empty(), "/tmp/ws", "127.0.0.1", "/bin/claude", "/tmp/home", Optional.empty());
    private static final SandboxEnvironment VM = new SandboxEnvironment(
            "vm", Optional.of("tcg"), "/workspace", "10.0.2.2", "/usr/bin/claude", "/home/agent", Optional.of("6.1"));

    private static AgentInvocation invocation(AgentOptions options) {
        return new AgentInvocation(
                "review",
                "--help is not a flag here",
                "scripted",
                "gpt-5.5",
                Map.of(CodexLlmResolver.BASE_URL_ENV, "http://10.0.2.2:4000/r/k/v1", "OPENAI_API_KEY", "x"),
                Duration.ofSeconds(60),
                options);
    }

    @Test
    void inAVmTheBoxIsTheSandboxLocallyCodexKeepsItsOwnUnlessTheBoxOptsOut() {
        AgentOptions optOut = new AgentOptions(
                AgentOptions.DEFAULTS.runner(),
                Optional.empty(),
                AgentOptions.Limits.NONE,
                new Permissions(List.of(), List.of(), Optional.empty(), true),
                Optional.empty(),
                List.of());

        List<String> vm = CodexRunner.argv("/usr/bin/codex", VM, invocation(AgentOptions.DEFAULTS));
        List<String> local = CodexRunner.argv("/opt/codex", LOCAL, invocation(AgentOptions.DEFAULTS));
        List<String> localOptOut = CodexRunner.argv("/opt/codex", LOCAL, invocation(optOut));

        assertThat(vm)
                .startsWith("/usr/bin/codex", "exec", "--json")
                .contains("--dangerously-bypass-approvals-and-sandbox");
        assertThat(local)
                .containsSequence("--sandbox", "workspace-write", "-c", "approval_policy=\"never\"")
                .doesNotContain("--dangerously-bypass-approvals-and-sandbox");
        assertThat(localOptOut).contains("--dangerously-bypass-approvals-and-sandbox");
        assertThat(vm).containsSequence("--model", "gpt-5.5").endsWith("--", "--help is not a flag here");
        assertThat(vm)
                .containsSequence("-c", "model_provider=\"voidbox\"")
                .contains("model_providers.voidbox={name=\"voidbox\", base_url=\"http://10.0.2.2:4000/r/k/v1\","
                        + " wire_api=\"responses\", env_key=\"OPENAI_API_KEY\", request_max_retries=3,"
                        + " stream_max_retries=3}");
        assertThat(vm).containsSequence("--disable", "plugins").containsSequence("-c", "analytics.enabled=false");
    }

    @Test
    void theEndpointGoesIntoTheProviderConfigAndStaysInTheEnvironmentForTheBoxsNetwork() {
        Map<String, String> env = CodexRunner.env(VM, invocation(AgentOptions.DEFAULTS));

        assertThat(env).containsEntry("HOME", "/home/agent").containsEntry("OPENAI_API_KEY", "x");
        assertThat(env).containsEntry(CodexLlmResolver.BASE_URL_ENV, "http://10.0.2.2:4000/r/k/v1");
        assertThat(CodexRunner.toml("http://h/\"x\"\\y\n")).isEqualTo("\"http://h/\\\"x\\\"\\\\y\\u000a\"");
    }

    @Test
    void theHostsBinaryRunsLocallyAndTheImagesInAVm() {
        CodexRunner runner = new CodexRunner(() -> Path.of("/data/codex/bin/codex"));

        assertThat(runner.executable(LOCAL)).isEqualTo("/data/codex/bin/codex");
        assertThat(runner.executable(VM)).isEqualTo(CodexRunner.GUEST_BINARY);
        assertThat(runner.name()).isEqualTo("codex");
    }

    @Test
    void aVmGetsThePlatformDirectoryOfTheHostInstallWithCodexAtTheGuestBinary() {
        Path platform = Path.of("/data/codex/0.171.0/vendor/x86_64-unknown-linux-musl");
        CodexRunner runner = new CodexRunner(() -> platform.resolve("bin/codex"));

        var payload = runner.payload().orElseThrow();

        assertThat(payload.name()).isEqualTo("codex");
        assertThat(payload.hostDir().get()).isEqualTo(platform);
        assertThat(payload.hostDir().get().resolve(payload.executable())).isEqualTo(platform.resolve("bin/codex"));
        assertThat(payload.sandboxCommand()).isEqualTo(CodexRunner.GUEST_BINARY);
        assertThat(runner.executable(VM)).isEqualTo(payload.sandboxCommand());
    }
}
