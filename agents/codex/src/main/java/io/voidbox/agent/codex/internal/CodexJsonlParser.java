package io.voidbox.agent.codex.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.voidbox.spi.support.Text;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * Live parser for {@code codex exec --json} output: the caller feeds stdout one line at a time as it
 * arrives and the parser hands typed {@link CodexEvent}s to the sink at once, so tool calls are
 * seen (and traced) while Codex runs.
 *
 * <p>The stream (Codex 0.169 to 0.171): {@code thread.started}, {@code turn.started}, items as
 * {@code item.started} / {@code item.updated} / {@code item.completed} with an {@code item.type},
 * then {@code turn.completed} (usage) or {@code turn.failed} (error); a top-level {@code error} line
 * reports retries and the error that fails the turn. Item kinds:
 * <ul>
 *   <li>{@code agent_message} and {@code reasoning}: text, not tools;</li>
 *   <li>{@code error}: a warning (e.g. unknown model metadata), the run goes on;</li>
 *   <li>{@code todo_list}: the agent's plan, skipped;</li>
 *   <li>anything else ({@code command_execution}, {@code file_change}, {@code mcp_tool_call},
 *       {@code web_search}, newer kinds) is a tool, named by its kind, timed from its
 *       {@code item.started} to its {@code item.completed} on the injected clock.</li>
 * </ul>
 * A line that is not JSON or has no usable shape gives one {@link CodexEvent.ParseWarning} and
 * nothing else; unknown line types are counted and skipped. Not thread-safe: one owner, normally
 * the thread reading Codex's stdout.
 */
final class CodexJsonlParser {
    private static final ObjectMapper JSON = JsonMapper.builder().build();
    private static final int EXCERPT_CHARS = 80;
    private static final Set<String> NOT_TOOLS = Set.of("agent_message", "reasoning", "error", "todo_list");

    private record Pending(String kind, long startNanos) {}

    private final Consumer<CodexEvent> sink;
    private final LongSupplier nanoClock;
    private final Map<String, Pending> pending = new LinkedHashMap<>();
    private long lineNumber;
    private long skippedLines;
    private boolean finished;

    /**
     * @param sink      receives every event, on the caller's thread, in stream order
     * @param nanoClock monotonic nanoseconds, read when a tool item starts or completes
     */
    CodexJsonlParser(Consumer<CodexEvent> sink, LongSupplier nanoClock) {
        this.sink = Objects.requireNonNull(sink, "sink");
        this.nanoClock = Objects.requireNonNull(nanoClock, "nanoClock");
    }

    /** Lines of an unknown type, skipped. */
    long skippedLines() {
        return skippedLines;
    }

    /**
     * Parses the next line (without its terminator) and emits its events.
     *
     * @throws IllegalStateException after {@link #finish()}
     */
    void accept(String line) {
        if (finished) throw new IllegalStateException("accept() after finish()");
        long n = ++lineNumber;
        if (line.isBlank()) return;
        JsonNode root;
        try {
            root = JSON.readTree(line);
        } catch (JsonProcessingException e) {
            warn(n, "malformed JSON: " + e.getOriginalMessage(), line);
            return;
        }
        if (root == null || !root.isObject() || !root.path("type").isTextual()) {
            warn(n, "unexpected shape: not an object with a string 'type'", line);
            return;
        }
        switch (root.path("type").textValue()) {
            case "thread.started" -> sink.accept(new CodexEvent.ThreadStarted(textOrNull(root.path("thread_id"))));
            case "turn.started" -> sink.accept(new CodexEvent.TurnStarted());
            case "turn.completed" -> sink.accept(new CodexEvent.TurnCompleted(tokens(root.path("usage"))));
            case "turn.failed" -> sink.accept(new CodexEvent.TurnFailed(error(root.path("error"))));
            case "error" ->
                sink.accept(new CodexEvent.StreamError(
                        CodexError.of(root.path("message").asText(""))));
            case "item.started", "item.updated", "item.completed" -> item(n, root, line);
            default -> skippedLines++;
        }
    }

    /** Declares the end of the stream: every tool still running is reported unfinished. Idempotent. */
    void finish() {
        if (finished) return;
        finished = true;
        pending.forEach((id, p) -> sink.accept(new CodexEvent.ToolUnfinished(id, p.kind())));
        pending.clear();
    }

    private void item(long n, JsonNode root, String line) {
        String phase = root.path("type").textValue();
        JsonNode item = root.path("item");
        String id = textOrNull(item.path("id"));
        String kind = textOrNull(item.path("type"));
        if (id == null || kind == null) {
            warn(n, phase + " without item.id and item.type", line);
            return;
        }
        if (NOT_TOOLS.contains(kind)) {
            if (!phase.equals("item.completed")) return;
            switch (kind) {
                case "agent_message" ->
                    sink.accept(
                            new CodexEvent.AgentMessage(id, item.path("text").asText("")));
                case "reasoning" ->
                    sink.accept(new CodexEvent.Reasoning(id, item.path("text").asText("")));
                case "error" ->
                    sink.accept(
                            new CodexEvent.ItemError(id, item.path("message").asText("")));
                default -> {} // todo_list: the plan, not an action
            }
            return;
        }
        switch (phase) {
            case "item.started" -> {
                if (pending.putIfAbsent(id, new Pending(kind, nanoClock.getAsLong())) == null)
                    sink.accept(new CodexEvent.ToolStarted(id, kind, input(kind, item)));
            }
            case "item.completed" -> {
                Pending p = pending.remove(id);
                long durationMs = p == null ? 0 : Math.max(0, (nanoClock.getAsLong() - p.startNanos()) / 1_000_000);
                sink.accept(new CodexEvent.ToolCompleted(
                        id, kind, input(kind, item), output(kind, item), isError(kind, item), p != null, durationMs));
            }
            default -> {} // item.updated: progress of a running tool
        }
    }

    /** What the tool was asked to do, as one string (a command, the changed files, the MCP call). */
    static String input(String kind, JsonNode item) {
        return switch (kind) {
            case "command_execution" -> command(item.path("command"));
            case "file_change" -> item.path("changes").toString();
            case "mcp_tool_call" -> {
                ObjectNode call = JSON.createObjectNode();
                call.set("server", item.path("server"));
                call.set("tool", item.path("tool"));
                call.set("arguments", item.path("arguments"));
                yield call.toString();
            }
            case "web_search" -> item.path("query").asText("");
            default -> {
                ObjectNode rest = item.deepCopy();
                rest.remove(List.of("id", "type", "status"));
                yield rest.toString();
            }
        };
    }

    /** What the tool gave back. */
    static String output(String kind, JsonNode item) {
        return switch (kind) {
            case "command_execution" -> item.path("aggregated_output").asText("");
            case "file_change" -> {
                List<String> lines = new ArrayList<>();
                for (JsonNode c : item.path("changes"))
                    lines.add(c.path("kind").asText("?") + " " + c.path("path").asText(""));
                yield String.join("\n", lines);
            }
            case "mcp_tool_call" -> {
                JsonNode error = item.path("error");
                if (error.isObject()) yield error.path("message").asText(error.toString());
                JsonNode content = item.path("result").path("content");
                List<String> texts = new ArrayList<>();
                for (JsonNode part : content)
                    if (part.path("text").isTextual())
                        texts.add(part.path("text").textValue());
                yield texts.isEmpty() ? item.path("result").toString() : String.join("\n", texts);
            }
            case "web_search" ->
                item.path("action").isMissingNode() ? "" : item.path("action").toString();
            default -> item.path("status").asText("");
        };
    }

    /** Failed or declined, a non-zero exit code, or an MCP error. */
    static boolean isError(String kind, JsonNode item) {
        String status = item.path("status").asText("");
        if (status.equals("failed") || status.equals("declined")) return true;
        if (kind.equals("command_execution") && item.path("exit_code").isIntegralNumber())
            return item.path("exit_code").intValue() != 0;
        return kind.equals("mcp_tool_call") && item.path("error").isObject();
    }

    private static String command(JsonNode command) {
        if (command.isArray()) {
            List<String> parts = new ArrayList<>();
            command.forEach(p -> parts.add(p.asText()));
            return String.join(" ", parts);
        }
        return command.asText("");
    }

    private static CodexTokens tokens(JsonNode usage) {
        return new CodexTokens(
                count(usage, "input_tokens"),
                count(usage, "cached_input_tokens"),
                count(usage, "cache_write_input_tokens"),
                count(usage, "output_tokens"),
                count(usage, "reasoning_output_tokens"));
    }

    private static long count(JsonNode usage, String field) {
        JsonNode v = usage.path(field);
        return v.isIntegralNumber() && v.longValue() > 0 ? v.longValue() : 0;
    }

    private static CodexError error(JsonNode error) {
        return CodexError.of(
                error.isTextual() ? error.textValue() : error.path("message").asText(error.toString()));
    }

    private static String textOrNull(JsonNode n) {
        return n.isTextual() && !n.textValue().isEmpty() ? n.textValue() : null;
    }

    private void warn(long n, String message, String line) {
        sink.accept(new CodexEvent.ParseWarning(
                n, message, Text.cut(line, EXCERPT_CHARS).text()));
    }
}
