package io.voidbox.scripted;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Answers {@code POST /r/<key>/v1/responses} (the OpenAI Responses API, as the Codex CLI calls it)
 * from the same scenario turns as the Messages API: a reply's text becomes a {@code message} output
 * item, each {@code tool_use} a {@code function_call} (or a {@code custom_tool_call} when the client
 * declared that tool {@code custom}, like Codex's {@code apply_patch}), and an error turn an HTTP
 * error with an OpenAI-style body. Within a route, the N-th request of a conversation (Codex's
 * {@code session-id} header, else {@code prompt_cache_key}) gets turn N.
 */
final class ResponsesAnswers {
    /** The path below a route. */
    static final String PATH = "/v1/responses";
    /** The header the Codex CLI (0.171) sends with its thread id on every request. */
    static final String SESSION_HEADER = "session-id";

    private ResponsesAnswers() {}

    static void answer(HttpExchange exchange, ScriptedModelServer.Route route, byte[] body, Handler.Facts facts)
            throws IOException {
        ResponsesRequest request;
        try {
            request = ResponsesRequest.of(AnthropicWire.JSON.readTree(body));
        } catch (JacksonException e) {
            Handler.reply(
                    exchange, facts, 400, "invalid_request_error", "malformed JSON body: " + e.getOriginalMessage());
            return;
        } catch (IllegalArgumentException e) {
            Handler.reply(exchange, facts, 400, "invalid_request_error", e.getMessage());
            return;
        }
        facts.body = request.body();
        facts.conversation = conversation(exchange, request);
        int turn = route.nextTurn(facts.conversation);
        if (turn < 0) {
            Handler.reply(exchange, facts, 429, "rate_limit_exceeded", "too many conversations on route " + route.key);
            return;
        }
        facts.turn = turn;
        Scenario scenario = route.scenario;
        Reply reply;
        if (turn < scenario.turns().size()) {
            switch (scenario.turns().get(turn)) {
                case ErrorTurn e -> {
                    Handler.reply(exchange, facts, e.status(), e.type(), e.message());
                    return;
                }
                case Reply r -> reply = r;
            }
        } else {
            reply = Reply.text("Scripted model: the scenario has no more turns ("
                    + scenario.turns().size() + " played).");
        }
        String seed = route.key + "|" + facts.conversation + "|" + turn;
        List<ResponsesWire.Call> calls = new ArrayList<>();
        for (int i = 0; i < reply.toolUses().size(); i++) {
            ToolUse tool = reply.toolUses().get(i);
            boolean custom = request.customTools().contains(tool.name());
            String id = Handler.digest(seed + "|" + i);
            calls.add(new ResponsesWire.Call(
                    (custom ? "ctc_" : "fc_") + id, "call_" + id, tool.name(), custom, payload(tool, custom)));
        }
        String model = scenario.model() != null
                ? scenario.model()
                : request.model() != null ? request.model() : "scripted-model";
        var answer = new ResponsesWire.Answer(
                "resp_" + Handler.digest(seed),
                model,
                "msg_" + Handler.digest(seed + "|text"),
                reply.text(),
                calls,
                reply.usage());
        exchange.getResponseHeaders().set("x-request-id", "req_" + Handler.digest("req|" + seed));
        facts.record(200);
        if (request.stream()) {
            ScriptedModelServer.sendEvents(exchange, out -> ResponsesWire.stream(answer, out));
        } else {
            ScriptedModelServer.send(exchange, 200, ResponsesWire.response(answer));
        }
    }

    /**
     * A function call's arguments are the scripted input as JSON. A custom tool takes free-form text:
     * the scripted input must then hold exactly one string field (e.g. {@code {patch: "..."}}), whose
     * value is sent as is; anything else is sent as JSON text.
     */
    static String payload(ToolUse tool, boolean custom) throws JsonProcessingException {
        Map<String, Object> input = tool.input();
        if (custom && input.size() == 1 && input.values().iterator().next() instanceof String raw) {
            return raw;
        }
        return AnthropicWire.JSON.writeValueAsString(input);
    }

    private static String conversation(HttpExchange exchange, ResponsesRequest request) {
        String header = exchange.getRequestHeaders().getFirst(SESSION_HEADER);
        if (header != null && !header.isBlank()) {
            return header.strip();
        }
        return request.promptCacheKey() != null ? request.promptCacheKey() : "default";
    }
}
