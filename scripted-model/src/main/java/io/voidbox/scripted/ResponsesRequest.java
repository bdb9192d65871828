package io.voidbox.scripted;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * What the server needs from an OpenAI Responses API request body ({@code POST /v1/responses}, as
 * the Codex CLI sends it): enough to pick an answer, to shape tool calls the way the client declared
 * its tools, and to log what the client sent back.
 *
 * @param model          requested model ({@code null}: none)
 * @param stream         {@code stream: true}
 * @param tools          number of entries in {@code tools}
 * @param customTools    names of the tools declared {@code type: custom} (free-form input, e.g.
 *                       Codex's {@code apply_patch}); a scripted call to one becomes a
 *                       {@code custom_tool_call}, any other a {@code function_call}
 * @param inputItems     number of items in {@code input}
 * @param lastToolOutput text of the last {@code function_call_output}/{@code custom_tool_call_output}
 *                       item ({@code null}: none)
 * @param promptCacheKey {@code prompt_cache_key} (Codex sets its thread id; {@code null}: none)
 */
record ResponsesRequest(
        String model,
        boolean stream,
        int tools,
        Set<String> customTools,
        int inputItems,
        String lastToolOutput,
        String promptCacheKey) {

    ResponsesRequest {
        customTools = Set.copyOf(customTools);
    }

    /** @throws IllegalArgumentException naming the field when the body is not a Responses request */
    static ResponsesRequest of(JsonNode body) {
        if (body == null || !body.isObject()) {
            throw new IllegalArgumentException("body must be a JSON object");
        }
        JsonNode input = body.get("input");
        if (input == null || !(input.isArray() || input.isTextual())) {
            throw new IllegalArgumentException("input: must be an array or a string");
        }
        JsonNode model = body.get("model");
        if (model != null && !model.isNull() && !model.isTextual()) {
            throw new IllegalArgumentException("model: must be a string");
        }
        JsonNode tools = body.get("tools");
        Set<String> custom = new LinkedHashSet<>();
        if (tools != null && tools.isArray()) {
            for (JsonNode tool : tools) {
                if ("custom".equals(tool.path("type").asText())
                        && tool.path("name").isTextual()) {
                    custom.add(tool.path("name").textValue());
                }
            }
        }
        JsonNode cacheKey = body.get("prompt_cache_key");
        return new ResponsesRequest(
                model == null || model.isNull() ? null : model.textValue(),
                body.path("stream").asBoolean(false),
                tools != null && tools.isArray() ? tools.size() : 0,
                custom,
                input.isArray() ? input.size() : 1,
                input.isArray() ? lastToolOutput(input) : null,
                cacheKey != null
                                && cacheKey.isTextual()
                                && !cacheKey.textValue().isBlank()
                        ? cacheKey.textValue()
                        : null);
    }

    /** The facts logged for this request. */
    RequestRecord.Body body() {
        return new RequestRecord.Body(model, stream, tools, inputItems, lastToolOutput);
    }

    private static String lastToolOutput(JsonNode input) {
        for (int i = input.size() - 1; i >= 0; i--) {
            JsonNode item = input.get(i);
            String type = item.path("type").asText();
            if (type.equals("function_call_output") || type.equals("custom_tool_call_output")) {
                return text(item.get("output"));
            }
        }
        return null;
    }

    /** {@code output} is a string, a list of content parts with {@code text}, or an object with a {@code content} string. */
    private static String text(JsonNode output) {
        if (output != null && output.path("content").isTextual()) {
            return output.path("content").textValue();
        }
        return MessagesRequest.text(output);
    }
}
