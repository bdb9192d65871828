package io.voidbox.scripted;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;

/**
 * Renders scripted answers in the OpenAI Responses API wire format: an SSE stream
 * ({@code response.created}, output items with text and argument deltas, {@code response.completed}
 * with usage), the same response as one JSON object, or an error body. The Codex CLI reads the
 * stream; the output items' shapes follow what it parses ({@code message}, {@code function_call},
 * {@code custom_tool_call}).
 */
final class ResponsesWire {
    private ResponsesWire() {}

    /**
     * One answer, ready to render either way.
     *
     * @param id        the response id ({@code resp_...})
     * @param messageId the id of the message item (used only when {@code text} is present)
     * @param text      the assistant's text ({@code null}: no message item)
     * @param calls     tool calls, after the message
     */
    record Answer(String id, String model, String messageId, String text, List<Call> calls, Usage usage) {
        Answer {
            calls = List.copyOf(calls);
        }
    }

    /**
     * A tool call: a {@code function_call} whose {@code payload} is its JSON arguments, or for a
     * tool the client declared {@code custom}, a {@code custom_tool_call} whose payload is the raw input.
     */
    record Call(String itemId, String callId, String name, boolean custom, String payload) {}

    static byte[] error(String type, String message) {
        ObjectNode root = AnthropicWire.JSON.createObjectNode();
        ObjectNode err = root.putObject("error");
        err.put("message", message);
        err.put("type", type);
        err.putNull("param");
        err.put("code", type);
        return root.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** The whole response as one JSON object (a request with {@code stream: false}). */
    static byte[] response(Answer a) {
        return envelope(a, "completed", true).toString().getBytes(StandardCharsets.UTF_8);
    }

    static void stream(Answer a, OutputStream out) throws IOException {
        Sequence seq = new Sequence(out);
        seq.event("response.created", node().set("response", envelope(a, "in_progress", false)));
        seq.event("response.in_progress", node().set("response", envelope(a, "in_progress", false)));
        int index = 0;
        if (a.text() != null) {
            ObjectNode added = messageItem(a.messageId(), "", "in_progress");
            ((ArrayNode) added.get("content")).removeAll();
            seq.event("response.output_item.added", itemEvent(index, added));
            ObjectNode part = node().put("type", "output_text").put("text", "");
            part.putArray("annotations");
            seq.event(
                    "response.content_part.added",
                    partEvent(a.messageId(), index).set("part", part));
            for (String piece : AnthropicWire.chunks(a.text())) {
                seq.event(
                        "response.output_text.delta",
                        partEvent(a.messageId(), index).put("delta", piece));
            }
            seq.event(
                    "response.output_text.done", partEvent(a.messageId(), index).put("text", a.text()));
            ObjectNode done = node().put("type", "output_text").put("text", a.text());
            done.putArray("annotations");
            seq.event(
                    "response.content_part.done",
                    partEvent(a.messageId(), index).set("part", done));
            seq.event(
                    "response.output_item.done", itemEvent(index++, messageItem(a.messageId(), a.text(), "completed")));
        }
        for (Call c : a.calls()) {
            String kind = c.custom() ? "custom_tool_call_input" : "function_call_arguments";
            String field = c.custom() ? "input" : "arguments";
            seq.event("response.output_item.added", itemEvent(index, callItem(c, "", "in_progress")));
            for (String piece : AnthropicWire.chunks(c.payload())) {
                seq.event(
                        "response." + kind + ".delta",
                        itemRef(c.itemId(), index).put("delta", piece));
            }
            seq.event("response." + kind + ".done", itemRef(c.itemId(), index).put(field, c.payload()));
            seq.event("response.output_item.done", itemEvent(index++, callItem(c, c.payload(), "completed")));
        }
        seq.event("response.completed", node().set("response", envelope(a, "completed", true)));
        out.flush();
    }

    private static ObjectNode envelope(Answer a, String status, boolean complete) {
        ObjectNode r = node().put("id", a.id())
                .put("object", "response")
                .put("created_at", Instant.now().getEpochSecond())
                .put("status", status)
                .put("model", a.model());
        ArrayNode output = r.putArray("output");
        if (!complete) {
            r.putNull("usage");
            return r;
        }
        if (a.text() != null) {
            output.add(messageItem(a.messageId(), a.text(), "completed"));
        }
        for (Call c : a.calls()) {
            output.add(callItem(c, c.payload(), "completed"));
        }
        r.set("usage", usage(a.usage()));
        return r;
    }

    /**
     * OpenAI counts cached tokens inside {@code input_tokens}; a scenario's Anthropic-style figures
     * are mapped so that {@code input_tokens} = input + cache read + cache creation and
     * {@code cached_tokens} = cache read.
     */
    static ObjectNode usage(Usage u) {
        long input = u.inputTokens() + u.cacheReadInputTokens() + u.cacheCreationInputTokens();
        ObjectNode n = node().put("input_tokens", input);
        n.putObject("input_tokens_details").put("cached_tokens", u.cacheReadInputTokens());
        n.put("output_tokens", u.outputTokens());
        n.putObject("output_tokens_details").put("reasoning_tokens", 0);
        n.put("total_tokens", input + u.outputTokens());
        return n;
    }

    private static ObjectNode messageItem(String id, String text, String status) {
        ObjectNode item = node().put("type", "message")
                .put("id", id)
                .put("status", status)
                .put("role", "assistant");
        ObjectNode part = item.putArray("content").addObject();
        part.put("type", "output_text").put("text", text);
        part.putArray("annotations");
        return item;
    }

    private static ObjectNode callItem(Call c, String payload, String status) {
        ObjectNode item = node().put("type", c.custom() ? "custom_tool_call" : "function_call")
                .put("id", c.itemId())
                .put("status", status)
                .put("call_id", c.callId())
                .put("name", c.name());
        return item.put(c.custom() ? "input" : "arguments", payload);
    }

    private static ObjectNode itemEvent(int index, ObjectNode item) {
        ObjectNode e = node().put("output_index", index);
        e.set("item", item);
        return e;
    }

    private static ObjectNode itemRef(String itemId, int index) {
        return node().put("item_id", itemId).put("output_index", index);
    }

    private static ObjectNode partEvent(String itemId, int index) {
        return itemRef(itemId, index).put("content_index", 0);
    }

    private static ObjectNode node() {
        return AnthropicWire.JSON.createObjectNode();
    }

    /** Writes {@code event:}/{@code data:} pairs, stamping {@code type} and {@code sequence_number}. */
    private static final class Sequence {
        private final OutputStream out;
        private int next;

        Sequence(OutputStream out) {
            this.out = out;
        }

        void event(String type, ObjectNode fields) throws IOException {
            ObjectNode data = node().put("type", type).put("sequence_number", next++);
            data.setAll(fields);
            out.write(("event: " + type + "\ndata: " + data + "\n\n").getBytes(StandardCharsets.UTF_8));
        }
    }
}
