package io.voidbox.agent.claude.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.voidbox.AgentOptions;
import io.voidbox.McpServer;
import io.voidbox.spi.AgentInvocation;
import io.voidbox.spi.SandboxEnvironment;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** How a box's MCP servers reach the Claude Code command line (the end-to-end run is in mcp-server). */
class ClaudeCodeRunnerMcpTest {
    private static final SandboxEnvironment ENV = new SandboxEnvironment(
            "vm",
            Optional.of("kvm"),
            "/workspace",
            "10.0.2.2",
            "/opt/voidbox/bin/claude",
            "/root",
            Optional.of("6.12.0"));

    private static AgentInvocation invocation(List<McpServer> servers) {
        AgentOptions options = new AgentOptions(
                AgentOptions.Runner.CLAUDE_CODE,
                Optional.empty(),
                AgentOptions.Limits.NONE,
                AgentOptions.Permissions.DEFAULTS,
                Optional.empty(),
                servers);
        return new AgentInvocation(
                "box", "do it", "scripted", "claude-sonnet-4-5", Map.of(), Duration.ofMinutes(1), options);
    }

    @Test
    void withoutMcpServersTheCommandLineAndEnvironmentStayAsTheyWere() {
        AgentInvocation inv = invocation(List.of());

        assertThat(ClaudeCodeRunner.argv(ENV, inv))
                .containsExactly(
                        "/opt/voidbox/bin/claude",
                        "-p",
                        "do it",
                        "--output-format",
                        "stream-json",
                        "--verbose",
                        "--dangerously-skip-permissions",
                        "--model",
                        "claude-sonnet-4-5");
        assertThat(ClaudeCodeRunner.env(ENV, inv)).doesNotContainKey("MCP_CONNECT_TIMEOUT_MS");
    }

    @Test
    void mcpServersArePassedAsTheOnlyMcpConfigFromTheWorkspaceAndAwaitedBeforeTheFirstTurn() {
        AgentInvocation inv =
                invocation(List.of(new McpServer("files", "java", List.of("-jar", "/opt/mcp.jar"), Map.of())));

        List<String> argv = ClaudeCodeRunner.argv(ENV, inv);

        assertThat(argv.subList(argv.size() - 3, argv.size()))
                .containsExactly("--mcp-config", "/workspace/.claude/voidbox-mcp.json", "--strict-mcp-config");
        assertThat(ClaudeCodeRunner.env(ENV, inv)).containsEntry("MCP_CONNECT_TIMEOUT_MS", "30000");
    }

    @Test
    void configUsesClaudeCodesFormatWithEveryServerAlwaysLoaded() throws Exception {
        byte[] config = ClaudeCodeRunner.mcpConfig(
                "box",
                List.of(
                        new McpServer("files", "java", List.of("-jar", "/opt/mcp.jar"), Map.of("B", "2", "A", "1")),
                        new McpServer("git", "mcp-git", List.of(), Map.of())));

        JsonNode json = JsonMapper.builder().build().readTree(config);
        assertThat(json.toString())
                .isEqualTo("{\"mcpServers\":{"
                        + "\"files\":{\"command\":\"java\",\"args\":[\"-jar\",\"/opt/mcp.jar\"],"
                        + "\"env\":{\"A\":\"1\",\"B\":\"2\"},\"alwaysLoad\":true},"
                        + "\"git\":{\"command\":\"mcp-git\",\"args\":[],\"env\":{},\"alwaysLoad\":true}}}");
    }

    @Test
    void duplicateAndReservedServerNamesAreRefusedInsteadOfSilentlySkipped() {
        McpServer files = new McpServer("files", "java", List.of(), Map.of());

        assertThatThrownBy(() -> ClaudeCodeRunner.mcpConfig("box", List.of(files, files)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("box box: two MCP servers are named 'files'");
        assertThatThrownBy(() -> ClaudeCodeRunner.mcpConfig(
                        "box", List.of(new McpServer("workspace", "java", List.of(), Map.of()))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'workspace' is reserved by Claude Code");
        assertThatThrownBy(() -> ClaudeCodeRunner.mcpConfig(
                        "box", List.of(new McpServer("Claude Preview", "x", List.of(), Map.of()))))
                .hasMessageContaining("'Claude Preview' is reserved");
    }
}
