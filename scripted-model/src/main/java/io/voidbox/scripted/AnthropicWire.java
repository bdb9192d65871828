package io.voidbox.scripted;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Renders scripted answers in the Anthropic Messages wire format: a plain JSON message, an SSE
 * stream of the same message, or an error body.
 */
final class AnthropicWire {
    static final ObjectMapper JSON = JsonMapper.builder().build();
    /** Size of text and tool-input chunks in a stream, so clients really assemble deltas. */
    private static final int CHUNK = 24;

    private AnthropicWire() {}

    /** One answer, ready to render either way. */
    record Answer(String id, String model, String text, List<Block> tools, String stopReason, Usage usage) {}

    /** A tool call with its id and its input already serialized as JSON. */
    record Block(String id, String name, String inputJson) {}

    static byte[] error(String type, String message) {
        ObjectNode root = JSON.createObjectNode();
        root.put("type", "error");
        ObjectNode err = root.putObject("error");
        err.put("type", type);
        err.put("message", message);
        return bytes(root);
    }

    static byte[] message(Answer a) {
        ObjectNode msg = envelope(a);
        ArrayNode content = msg.putArray("content");
        if (a.text() != null) {
            content.addObject().put("type", "text").put("text", a.text());
        }
        for (Block b : a.tools()) {
            ObjectNode tool = content.addObject()
                    .put("type", "tool_use")
                    .put("id", b.id())
                    .put("name", b.name());
            tool.set("input", parse(b.inputJson()));
        }
        msg.put("stop_reason", a.stopReason());
        msg.putNull("stop_sequence");
        msg.set("usage", usage(a.usage(), a.usage().outputTokens()));
        return bytes(msg);
    }

    static void stream(Answer a, OutputStream out) throws IOException {
        ObjectNode start = JSON.createObjectNode().put("type", "message_start");
        ObjectNode msg = envelope(a);
        msg.putArray("content");
        msg.putNull("stop_reason");
        msg.putNull("stop_sequence");
        msg.set("usage", usage(a.usage(), Math.min(1, a.usage().outputTokens())));
        start.set("message", msg);
        event(out, "message_start", start);
        int index = 0;
        if (a.text() != null) {
            block(
                    out,
                    index++,
                    JSON.createObjectNode().put("type", "text").put("text", ""),
                    "text_delta",
                    "text",
                    a.text());
        }
        for (Block b : a.tools()) {
            ObjectNode block = JSON.createObjectNode()
                    .put("type", "tool_use")
                    .put("id", b.id())
                    .put("name", b.name());
            block.putObject("input");
            block(out, index++, block, "input_json_delta", "partial_json", b.inputJson());
        }
        ObjectNode delta = JSON.createObjectNode().put("type", "message_delta");
        delta.putObject("delta").put("stop_reason", a.stopReason()).putNull("stop_sequence");
        delta.set("usage", usage(a.usage(), a.usage().outputTokens()));
        event(out, "message_delta", delta);
        event(out, "message_stop", JSON.createObjectNode().put("type", "message_stop"));
        out.flush();
    }

    private static ObjectNode envelope(Answer a) {
        return JSON.createObjectNode()
                .put("id", a.id())
                .put("type", "message")
                .put("role", "assistant")
                .put("model", a.model());
    }

    private static ObjectNode usage(Usage u, long outputTokens) {
        return JSON.createObjectNode()
                .put("input_tokens", u.inputTokens())
                .put("output_tokens", outputTokens)
                .put("cache_creation_input_tokens", u.cacheCreationInputTokens())
                .put("cache_read_input_tokens", u.cacheReadInputTokens());
    }

    /** One content block: its start, {@code content} in chunks as {@code deltaType} deltas, its stop. */
    private static void block(
            OutputStream out, int index, ObjectNode block, String deltaType, String field, String content)
            throws IOException {
        ObjectNode start = blockEvent("content_block_start", index);
        start.set("content_block", block);
        event(out, "content_block_start", start);
        for (String piece : chunks(content)) {
            ObjectNode delta = blockEvent("content_block_delta", index);
            delta.putObject("delta").put("type", deltaType).put(field, piece);
            event(out, "content_block_delta", delta);
        }
        event(out, "content_block_stop", blockEvent("content_block_stop", index));
    }

    private static ObjectNode blockEvent(String type, int index) {
        return JSON.createObjectNode().put("type", type).put("index", index);
    }

    private static void event(OutputStream out, String name, ObjectNode data) throws IOException {
        out.write(("event: " + name + "\ndata: " + data + "\n\n").getBytes(StandardCharsets.UTF_8));
    }

    /** Splits on code point boundaries so no chunk ends inside a surrogate pair. */
    static List<String> chunks(String s) {
        if (s.isEmpty()) {
            return List.of("");
        }
        var out = new ArrayList<String>();
        int i = 0;
        while (i < s.length()) {
            int end = Math.min(s.length(), i + CHUNK);
            if (end < s.length() && Character.isHighSurrogate(s.charAt(end - 1))) {
                end--;
            }
            out.add(s.substring(i, end));
            i = end;
        }
        return out;
    }

    private static JsonNode parse(String json) {
        try {
            return JSON.readTree(json);
        } catch (IOException e) {
            throw new IllegalStateException("tool input is not JSON", e);
        }
    }

    private static byte[] bytes(ObjectNode node) {
        return node.toString().getBytes(StandardCharsets.UTF_8);
    }
}
