package io.voidbox.scripted;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.Locale;

/**
 * What the server needs from a Messages API request body: enough to pick an answer and to log
 * what the CLI sent back.
 *
 * @param model          requested model ({@code null}: none)
 * @param stream         {@code stream: true}
 * @param tools          number of tools offered
 * @param messages       number of messages
 * @param maxTokens      {@code max_tokens} (0 if absent)
 * @param lastToolResult text of the last {@code tool_result} block ({@code null}: none)
 * @param metadataSession session id found in {@code metadata.user_id} ({@code null}: none)
 */
record MessagesRequest(
        String model,
        boolean stream,
        int tools,
        int messages,
        long maxTokens,
        String lastToolResult,
        String metadataSession) {

    /** @throws IllegalArgumentException naming the field when the body is not a Messages request */
    static MessagesRequest of(JsonNode body) {
        if (body == null || !body.isObject()) {
            throw new IllegalArgumentException("body must be a JSON object");
        }
        JsonNode messages = body.get("messages");
        if (messages == null || !messages.isArray()) {
            throw new IllegalArgumentException("messages: must be an array");
        }
        JsonNode model = body.get("model");
        if (model != null && !model.isNull() && !model.isTextual()) {
            throw new IllegalArgumentException("model: must be a string");
        }
        JsonNode tools = body.get("tools");
        return new MessagesRequest(
                model == null || model.isNull() ? null : model.textValue(),
                body.path("stream").asBoolean(false),
                tools != null && tools.isArray() ? tools.size() : 0,
                messages.size(),
                body.path("max_tokens").asLong(0),
                lastToolResult(messages),
                metadataSession(body.path("metadata").path("user_id")));
    }

    /**
     * Side requests (title generation, quota probes) carry no tools and use a small model or a
     * one-token budget; they get a tiny answer and do not consume a scenario turn.
     */
    boolean isSideRequest() {
        return tools == 0 && ((model != null && model.toLowerCase(Locale.ROOT).contains("haiku")) || maxTokens == 1);
    }

    private static String lastToolResult(JsonNode messages) {
        for (int i = messages.size() - 1; i >= 0; i--) {
            JsonNode content = messages.get(i).path("content");
            if (!content.isArray()) {
                continue;
            }
            for (int j = content.size() - 1; j >= 0; j--) {
                JsonNode block = content.get(j);
                if ("tool_result".equals(block.path("type").asText())) {
                    return text(block.get("content"));
                }
            }
        }
        return null;
    }

    /** A string as it is, or the {@code text} of a list's parts joined by newlines; empty otherwise. */
    static String text(JsonNode content) {
        if (content == null || content.isNull()) {
            return "";
        }
        if (content.isTextual()) {
            return content.textValue();
        }
        StringBuilder sb = new StringBuilder();
        if (content.isArray()) {
            for (JsonNode part : content) {
                if (part.path("text").isTextual()) {
                    if (!sb.isEmpty()) {
                        sb.append('\n');
                    }
                    sb.append(part.path("text").textValue());
                }
            }
        }
        return sb.toString();
    }

    /** {@code metadata.user_id} is a JSON string with {@code session_id} in 2.1.x, {@code ..._session_ID} before. */
    private static String metadataSession(JsonNode userId) {
        if (!userId.isTextual()) {
            return null;
        }
        String s = userId.textValue();
        if (s.startsWith("{")) {
            try {
                JsonNode parsed = AnthropicWire.JSON.readTree(s);
                JsonNode session = parsed.path("session_id");
                return session.isTextual() && !session.textValue().isEmpty() ? session.textValue() : null;
            } catch (IOException e) {
                return null;
            }
        }
        int at = s.lastIndexOf("_session_");
        return at >= 0 && at + 9 < s.length() ? s.substring(at + 9) : null;
    }
}
