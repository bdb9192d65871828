package io.voidbox.mcp;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.ServerParameters;
import io.modelcontextprotocol.client.transport.StdioClientTransport;
import io.modelcontextprotocol.json.McpJsonDefaults;
import io.modelcontextprotocol.spec.McpSchema.CallToolRequest;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import io.modelcontextprotocol.spec.McpSchema.TextContent;
import io.modelcontextprotocol.spec.McpSchema.Tool;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The server as a real process on stdio, seen by the official MCP client and on the wire. */
class WorkspaceToolsServerTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    @TempDir
    Path tmp;

    private static List<String> command() {
        return List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                WorkspaceToolsServer.class.getName());
    }

    @Test
    void theOfficialClientSeesBothToolsAndGetsTheirAnswersAndErrors() throws Exception {
        Files.writeString(tmp.resolve("a.txt"), "hello");
        List<String> cmd = command();
        var params = ServerParameters.builder(cmd.getFirst())
                .args(cmd.subList(1, cmd.size()))
                .build();
        try (McpSyncClient client = McpClient.sync(new StdioClientTransport(params, McpJsonDefaults.getMapper()))
                .requestTimeout(TIMEOUT)
                .initializationTimeout(TIMEOUT)
                .build()) {
            assertThat(client.initialize().serverInfo().name()).isEqualTo(WorkspaceToolsServer.SERVER_NAME);

            assertThat(client.listTools().tools())
                    .extracting(Tool::name)
                    .containsExactly("word_count", "workspace_files");
            assertThat(text(client.callTool(new CallToolRequest("word_count", Map.of("text", "one two\nthree")))))
                    .isEqualTo("{\"words\":3,\"lines\":2,\"characters\":13}");
            assertThat(text(client.callTool(
                            new CallToolRequest("workspace_files", Map.of("directory", tmp.toString())))))
                    .isEqualTo("{\"directory\":\"" + tmp + "\",\"files\":[{\"path\":\"a.txt\",\"bytes\":5}],"
                            + "\"truncated\":false}");

            CallToolResult missing = client.callTool(new CallToolRequest(
                    "workspace_files", Map.of("directory", tmp.resolve("nope").toString())));
            assertThat(missing.isError()).isTrue();
            assertThat(text(missing)).isEqualTo("workspace_files: not a directory: " + tmp.resolve("nope"));
            assertThat(client.callTool(new CallToolRequest("word_count", Map.of()))
                            .isError())
                    .isTrue();
        }
    }

    @Test
    void stdoutCarriesOnlyJsonRpcRelativeDirectoriesAreTheWorkingDirectoryAndStdinEndingEndsTheProcess()
            throws Exception {
        Path cwd = Files.createDirectories(tmp.resolve("workspace"));
        Files.writeString(cwd.resolve("notes.md"), "# notes\n");
        Process p = new ProcessBuilder(command())
                .directory(cwd.toFile())
                .redirectError(tmp.resolve("stderr.txt").toFile())
                .start();
        try {
            try (OutputStream in = p.getOutputStream()) {
                for (String line : List.of("""
                        {"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18",\
                        "capabilities":{},"clientInfo":{"name":"test","version":"1"}}}""", """
                        {"jsonrpc":"2.0","method":"notifications/initialized"}""", """
                        {"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"workspace_files","arguments":{}}}""")) {
                    in.write((line + "\n").getBytes(StandardCharsets.UTF_8));
                    in.flush();
                }
                JsonMapper json = JsonMapper.builder().build();
                List<JsonNode> replies = new ArrayList<>();
                var out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
                while (replies.size() < 2) {
                    String line = out.readLine();
                    assertThat(line).as("server output ended early").isNotNull();
                    replies.add(json.readTree(line)); // anything but JSON on stdout fails here
                }
                assertThat(replies).extracting(r -> r.path("id").asInt()).containsExactly(1, 2);
                assertThat(replies.get(1).at("/result/content/0/text").asText())
                        .isEqualTo("{\"directory\":\"" + cwd.toRealPath() + "\",\"files\":[{\"path\":\"notes.md\","
                                + "\"bytes\":8}],\"truncated\":false}");
            }
            assertThat(p.waitFor(TIMEOUT.toSeconds(), TimeUnit.SECONDS))
                    .as("the server exits once stdin is closed")
                    .isTrue();
            assertThat(p.exitValue()).isZero();
        } finally {
            p.destroyForcibly();
        }
    }

    private static String text(CallToolResult r) {
        assertThat(r.content()).hasSize(1);
        return ((TextContent) r.content().getFirst()).text();
    }
}
