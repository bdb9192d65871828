package io.voidbox.agent.claude.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.voidbox.AgentOptions;
import io.voidbox.AgentOptions.PermissionMode;
import io.voidbox.AgentOptions.Permissions;
import io.voidbox.spi.AgentInvocation;
import io.voidbox.spi.SandboxEnvironment;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Claude Code skips its own permission checks only where the box is the boundary, or when the box opts out. */
class ClaudeCodeRunnerPermissionsTest {
    private static SandboxEnvironment env(String backend) {
        return new SandboxEnvironment(
                backend, Optional.empty(), "/w", "127.0.0.1", "/usr/bin/claude", "/h", Optional.empty());
    }

    private static AgentInvocation invocation(Permissions permissions) {
        AgentOptions options = new AgentOptions(
                AgentOptions.Runner.CLAUDE_CODE,
                Optional.empty(),
                AgentOptions.Limits.NONE,
                permissions,
                Optional.empty(),
                List.of());
        return new AgentInvocation("box", "do it", "scripted", "m", Map.of(), Duration.ofMinutes(1), options);
    }

    @Test
    void inAVmOrNamespaceBoxTheBoxIsTheBoundary() {
        for (String backend : List.of("vm", "namespace")) {
            AgentInvocation inv = invocation(Permissions.DEFAULTS);
            assertThat(ClaudeCodeRunner.argv(env(backend), inv)).contains("--dangerously-skip-permissions");
            assertThat(ClaudeCodeRunner.env(env(backend), inv)).containsEntry("IS_SANDBOX", "1");
        }
    }

    @Test
    void onLocalTheAgentsOwnChecksStayOnUnlessTheBoxOptsOut() {
        AgentInvocation checked = invocation(new Permissions(List.of("Bash"), List.of(), Optional.empty(), false));
        assertThat(ClaudeCodeRunner.argv(env("local"), checked))
                .doesNotContain("--dangerously-skip-permissions")
                .containsSequence("--allowed-tools", "Bash");
        assertThat(ClaudeCodeRunner.env(env("local"), checked)).doesNotContainKey("IS_SANDBOX");

        AgentInvocation optedOut = invocation(
                new Permissions(List.of(), List.of(), Optional.of(PermissionMode.BYPASS_PERMISSIONS), false));
        assertThat(ClaudeCodeRunner.argv(env("local"), optedOut)).contains("--dangerously-skip-permissions");
        assertThat(ClaudeCodeRunner.env(env("local"), optedOut)).containsEntry("IS_SANDBOX", "1");
    }
}
