package io.voidbox;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * An MCP server the agent in a box may use, started inside the box over stdio (never on the host).
 *
 * @param name    the server's name; its tools appear as {@code mcp__<name>__<tool>}
 * @param command the program inside the box
 * @param args    its arguments
 * @param env     extra environment of the server process
 */
public record McpServer(String name, String command, List<String> args, Map<String, String> env) {
    public McpServer {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(command, "command");
        args = List.copyOf(args);
        env = Map.copyOf(env);
    }
}
