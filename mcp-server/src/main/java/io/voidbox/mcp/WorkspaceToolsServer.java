package io.voidbox.mcp;

import io.modelcontextprotocol.json.McpJsonDefaults;
import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.server.McpServer;
import io.modelcontextprotocol.server.McpServerFeatures.SyncToolSpecification;
import io.modelcontextprotocol.server.McpSyncServer;
import io.modelcontextprotocol.server.transport.StdioServerTransportProvider;
import io.modelcontextprotocol.spec.McpSchema.CallToolRequest;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import io.modelcontextprotocol.spec.McpSchema.ServerCapabilities;
import io.modelcontextprotocol.spec.McpSchema.Tool;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.function.Function;

/**
 * A small MCP server over stdio with deterministic tools, so that tests and examples can prove an
 * agent in a box really reached an MCP server and got its real answer:
 *
 * <ul>
 *   <li>{@code word_count} {@code {text}}: {@code {"words":N,"lines":N,"characters":N}}
 *   <li>{@code workspace_files} {@code {directory}} (default: the server's working directory, which
 *       is the box's workspace when the agent starts it): the regular files below it, sorted, with
 *       their sizes, hidden entries left out
 * </ul>
 *
 * <p>Run it as {@code java -jar voidbox-mcp-server.jar}; it serves one client on stdin/stdout and
 * exits when stdin ends. Logs go to stderr only: stdout carries JSON-RPC and nothing else.
 */
public final class WorkspaceToolsServer {
    /** The name the server reports in its MCP handshake. */
    public static final String SERVER_NAME = "voidbox-workspace-tools";

    static final String VERSION = "1.0.0";

    private WorkspaceToolsServer() {}

    public static void main(String[] args) throws InterruptedException {
        if (args.length > 0) {
            System.err.println("usage: java -jar voidbox-mcp-server.jar   (an MCP server on stdin/stdout;"
                    + " tools: word_count, workspace_files)");
            System.exit(2);
        }
        // SLF4J (slf4j-simple) logs to stderr; only warnings, unless the caller asks for more
        if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null)
            System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        System.setProperty("org.slf4j.simpleLogger.logFile", "System.err");
        PrintStream rpc = System.out;
        System.setOut(System.err); // a stray print from any library must not corrupt the JSON-RPC stream
        CountDownLatch eof = new CountDownLatch(1);
        McpSyncServer server =
                start(new EofSignal(System.in, eof), rpc, Path.of("").toAbsolutePath());
        eof.await();
        server.closeGracefully();
        System.exit(0);
    }

    /** Serves one client on {@code in}/{@code out}; relative directories resolve against {@code cwd}. */
    static McpSyncServer start(InputStream in, OutputStream out, Path cwd) {
        McpJsonMapper json = McpJsonDefaults.getMapper();
        return McpServer.sync(new StdioServerTransportProvider(json, in, out))
                .serverInfo(SERVER_NAME, VERSION)
                .capabilities(ServerCapabilities.builder().tools(false).build())
                .tools(tools(json, cwd))
                .build();
    }

    static List<SyncToolSpecification> tools(McpJsonMapper json, Path cwd) {
        Tool wordCount = Tool.builder("word_count", json, """
                        {"type": "object",
                         "properties": {"text": {"type": "string", "description": "the text to count"}},
                         "required": ["text"]}""")
                .description("Counts the words, lines and characters of a text.")
                .build();
        Tool workspaceFiles = Tool.builder("workspace_files", json, """
                        {"type": "object",
                         "properties": {"directory": {"type": "string",
                           "description": "absolute, or relative to the workspace; default: the workspace"}}}""")
                .description("Lists the regular files below a directory (default: the workspace), sorted,"
                        + " with their sizes in bytes; hidden entries are left out.")
                .build();
        return List.of(
                tool(json, wordCount, req -> WorkspaceTools.wordCount(requiredString(req, "text"))),
                tool(
                        json,
                        workspaceFiles,
                        req -> WorkspaceTools.workspaceFiles(cwd, optionalString(req, "directory"))));
    }

    private static SyncToolSpecification tool(
            McpJsonMapper json, Tool tool, Function<CallToolRequest, Map<String, Object>> body) {
        return SyncToolSpecification.builder()
                .tool(tool)
                .callHandler((exchange, req) -> {
                    try {
                        return CallToolResult.builder()
                                .addTextContent(json.writeValueAsString(body.apply(req)))
                                .isError(false)
                                .build();
                    } catch (WorkspaceTools.ToolException e) {
                        return error(tool.name() + ": " + e.getMessage());
                    } catch (IOException | RuntimeException e) {
                        return error(tool.name() + " failed: " + e);
                    }
                })
                .build();
    }

    private static CallToolResult error(String message) {
        return CallToolResult.builder().addTextContent(message).isError(true).build();
    }

    private static String requiredString(CallToolRequest req, String name) {
        Object v = req.arguments() == null ? null : req.arguments().get(name);
        if (!(v instanceof String)) {
            throw new WorkspaceTools.ToolException(
                    v == null ? "missing argument '" + name + "'" : "argument '" + name + "' must be a string");
        }
        return (String) v;
    }

    private static String optionalString(CallToolRequest req, String name) {
        Object v = req.arguments() == null ? null : req.arguments().get(name);
        if (v == null || "".equals(v)) {
            return ".";
        }
        return requiredString(req, name);
    }

    /** Counts down when the client closes stdin, so {@link #main} can end the process. */
    private static final class EofSignal extends FilterInputStream {
        private final CountDownLatch eof;

        EofSignal(InputStream in, CountDownLatch eof) {
            super(in);
            this.eof = eof;
        }

        @Override
        public int read() throws IOException {
            return signal(super.read());
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            return signal(super.read(b, off, len));
        }

        private int signal(int n) {
            if (n < 0) eof.countDown();
            return n;
        }
    }
}
