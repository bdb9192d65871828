package io.voidbox.scripted;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.Semaphore;

/**
 * Routes {@code HEAD /}, {@code POST /r/<key>/v1/messages},
 * {@code POST /r/<key>/v1/messages/count_tokens} and (OpenAI Responses API, see
 * {@link ResponsesAnswers}) {@code POST /r/<key>/v1/responses}; everything else is 404 with an
 * Anthropic-style error body (OpenAI-style on the responses path). Runs on a virtual thread per request.
 */
final class Handler implements HttpHandler {
    private static final String PREFIX = "/r/";
    private final ScriptedModelServer server;

    Handler(ScriptedModelServer server) {
        this.server = server;
    }

    /**
     * Mutable facts about one exchange, gathered for its {@link RequestRecord}. The record is emitted
     * just before the answer is sent, so a client that got its answer finds the request logged.
     */
    final class Facts {
        final Instant ts = Instant.now();
        final String method;
        final String path;
        boolean recorded;
        String route;
        int status = 500;
        String conversation;
        int turn = -1;
        MessagesRequest request;
        /** The logged body of a request that is not a Messages request (a Responses request). */
        RequestRecord.Body body;
        /** An OpenAI-style exchange: errors get OpenAI's error body. */
        boolean openai;

        boolean side;

        Facts(String method, String path) {
            this.method = method;
            this.path = path;
        }

        void record(int status) {
            this.status = status;
            if (recorded) {
                return;
            }
            recorded = true;
            MessagesRequest r = request;
            RequestRecord.Body logged = r != null
                    ? new RequestRecord.Body(r.model(), r.stream(), r.tools(), r.messages(), r.lastToolResult())
                    : body != null ? body : RequestRecord.Body.NONE;
            server.record(new RequestRecord(ts, route, method, path, status, conversation, turn, logged, side));
        }
    }

    /** Requests answered at once; beyond, 529 overloaded (what Anthropic answers, retried by the CLIs). */
    static final int MAX_IN_FLIGHT = 16;

    private final Semaphore inFlight = new Semaphore(MAX_IN_FLIGHT);

    int inFlight() {
        return MAX_IN_FLIGHT - inFlight.availablePermits();
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        String method = exchange.getRequestMethod();
        String rawPath = exchange.getRequestURI().getRawPath();
        String query = exchange.getRequestURI().getRawQuery();
        Facts facts = new Facts(method, query == null ? rawPath : rawPath + "?" + query);
        if (!inFlight.tryAcquire()) {
            // bounded memory: at most MAX_IN_FLIGHT bodies of maxRequestBytes each; the CLIs retry 529
            try {
                reply(
                        exchange,
                        facts,
                        529,
                        "overloaded_error",
                        "scripted model server: more than " + MAX_IN_FLIGHT + " requests in flight");
            } finally {
                facts.record(facts.status);
                exchange.close();
            }
            return;
        }
        try {
            dispatch(exchange, method, rawPath, facts);
        } catch (IOException e) {
            // The client went away mid-answer; nothing left to tell it.
        } catch (RuntimeException e) {
            try {
                reply(
                        exchange,
                        facts,
                        500,
                        "api_error",
                        "scripted model server failed: " + e.getClass().getSimpleName());
            } catch (IOException | RuntimeException ignored) {
                // Headers may already be sent; the client sees a broken answer.
            }
        } finally {
            inFlight.release();
            facts.record(facts.status);
            exchange.close();
        }
    }

    private void dispatch(HttpExchange exchange, String method, String path, Facts facts) throws IOException {
        facts.openai = path.endsWith(ResponsesAnswers.PATH);
        String rest = null;
        ScriptedModelServer.Route route = null;
        if (path.startsWith(PREFIX)) {
            int slash = path.indexOf('/', PREFIX.length());
            facts.route = slash < 0 ? path.substring(PREFIX.length()) : path.substring(PREFIX.length(), slash);
            rest = slash < 0 ? "/" : path.substring(slash);
            route = server.route(facts.route);
            if (route == null) {
                notFound(exchange, facts, "no scenario registered for route '" + facts.route + "'");
                return;
            }
        }
        if ("HEAD".equals(method) && (route != null || "/".equals(path))) {
            facts.record(200);
            exchange.sendResponseHeaders(200, -1);
            return;
        }
        if (route == null) {
            notFound(exchange, facts, "unknown path " + path + " (expected /r/<route>/v1/messages)");
            return;
        }
        boolean messages = "/v1/messages".equals(rest);
        boolean countTokens = "/v1/messages/count_tokens".equals(rest);
        boolean responses = ResponsesAnswers.PATH.equals(rest);
        if (!messages && !countTokens && !responses) {
            reply(exchange, facts, 404, "not_found_error", "unknown path " + rest);
            return;
        }
        if (!"POST".equals(method)) {
            exchange.getResponseHeaders().set("Allow", "POST");
            reply(exchange, facts, 405, "invalid_request_error", "method " + method + " not allowed");
            return;
        }
        int max = server.options().maxRequestBytes();
        String length = exchange.getRequestHeaders().getFirst("Content-Length");
        if (length != null && parseLong(length) > max) {
            // read (and discard) a bounded amount first: closing on an unread body makes the client
            // see a connection reset instead of the 413
            drain(exchange.getRequestBody(), Math.min(parseLong(length), 4L * max));
            reply(exchange, facts, 413, "request_too_large", "request body exceeds " + max + " bytes");
            return;
        }
        byte[] body = ScriptedModelServer.readBounded(exchange, max);
        if (body == null) {
            reply(exchange, facts, 413, "request_too_large", "request body exceeds " + max + " bytes");
            return;
        }
        if (responses) {
            ResponsesAnswers.answer(exchange, route, body, facts);
            return;
        }
        MessagesRequest request;
        try {
            JsonNode json = AnthropicWire.JSON.readTree(body);
            request = MessagesRequest.of(json);
        } catch (JacksonException e) {
            reply(exchange, facts, 400, "invalid_request_error", "malformed JSON body: " + e.getOriginalMessage());
            return;
        } catch (IllegalArgumentException e) {
            reply(exchange, facts, 400, "invalid_request_error", e.getMessage());
            return;
        }
        facts.request = request;
        facts.conversation = conversation(exchange, request);
        String agent = exchange.getRequestHeaders().getFirst(ScriptedModelServer.AGENT_HEADER);
        boolean subagent = agent != null
                && !agent.isBlank()
                && !route.scenario.subagentTurns().isEmpty();
        if (subagent) {
            facts.conversation = facts.conversation + "/agent:" + agent.strip();
        }
        if (countTokens) {
            facts.record(200);
            ScriptedModelServer.send(exchange, 200, "{\"input_tokens\":1}".getBytes(StandardCharsets.UTF_8));
            return;
        }
        answer(exchange, route, request, facts, subagent);
    }

    private void answer(
            HttpExchange exchange,
            ScriptedModelServer.Route route,
            MessagesRequest request,
            Facts facts,
            boolean subagent)
            throws IOException {
        Scenario scenario = route.scenario;
        List<Turn> turns = subagent ? scenario.subagentTurns() : scenario.turns();
        String model = scenario.model() != null
                ? scenario.model()
                : request.model() != null ? request.model() : "scripted-model";
        String idSeed;
        Reply reply;
        if (request.isSideRequest()) {
            facts.side = true;
            idSeed = route.key + "|" + facts.conversation + "|side|" + route.nextTurn("side:" + facts.conversation);
            reply = new Reply("Scripted.", List.of(), new Usage(1, 1, 0, 0));
        } else {
            int turn = route.nextTurn(facts.conversation);
            if (turn < 0) {
                reply(exchange, facts, 429, "rate_limit_error", "too many conversations on route " + route.key);
                return;
            }
            facts.turn = turn;
            idSeed = route.key + "|" + facts.conversation + "|" + turn;
            if (turn < turns.size()) {
                switch (turns.get(turn)) {
                    case ErrorTurn e -> {
                        reply(exchange, facts, e.status(), e.type(), e.message());
                        return;
                    }
                    case Reply r -> reply = r;
                }
            } else {
                reply = Reply.text("Scripted model: the scenario has no more turns (" + turns.size() + " played).");
            }
        }
        List<AnthropicWire.Block> blocks = new ArrayList<>();
        for (int i = 0; i < reply.toolUses().size(); i++) {
            ToolUse tool = reply.toolUses().get(i);
            blocks.add(new AnthropicWire.Block(
                    "toolu_" + digest(idSeed + "|" + i),
                    tool.name(),
                    AnthropicWire.JSON.writeValueAsString(tool.input())));
        }
        var answer = new AnthropicWire.Answer(
                "msg_" + digest(idSeed), model, reply.text(), blocks, reply.stopReason(), reply.usage());
        exchange.getResponseHeaders().set("request-id", "req_" + digest("req|" + idSeed));
        facts.record(200);
        if (reply.cut()) {
            cut(exchange, request.stream(), answer);
        } else if (request.stream()) {
            ScriptedModelServer.sendEvents(exchange, out -> AnthropicWire.stream(answer, out));
        } else {
            ScriptedModelServer.send(exchange, 200, AnthropicWire.message(answer));
        }
    }

    /**
     * Starts the answer and breaks the connection in its middle: the headers promise the whole
     * body, the server writes the start of it (a stream up to its first content chunk, half of a
     * plain message) and closes, so the client sees the connection drop mid-response.
     */
    private static void cut(HttpExchange exchange, boolean stream, AnthropicWire.Answer answer) throws IOException {
        byte[] whole;
        int keep;
        if (stream) {
            var buffer = new ByteArrayOutputStream();
            AnthropicWire.stream(answer, buffer);
            whole = buffer.toByteArray();
            String text = new String(whole, StandardCharsets.UTF_8);
            int delta = text.indexOf("event: content_block_delta");
            int end = delta < 0 ? -1 : text.indexOf("\n\n", delta);
            keep = end < 0 ? whole.length / 2 : text.substring(0, end + 2).getBytes(StandardCharsets.UTF_8).length;
            exchange.getResponseHeaders().set("Content-Type", "text/event-stream; charset=utf-8");
        } else {
            whole = AnthropicWire.message(answer);
            keep = whole.length / 2;
            exchange.getResponseHeaders().set("Content-Type", "application/json");
        }
        exchange.sendResponseHeaders(200, whole.length);
        OutputStream out = exchange.getResponseBody();
        out.write(whole, 0, keep);
        out.flush();
        // Closing a fixed-length body before it is complete drops the connection (and throws).
        exchange.close();
    }

    /** The CLI's session header, else the session in {@code metadata.user_id}, else one shared conversation. */
    private static String conversation(HttpExchange exchange, MessagesRequest request) {
        String header = exchange.getRequestHeaders().getFirst(ScriptedModelServer.SESSION_HEADER);
        if (header != null && !header.isBlank()) {
            return header.strip();
        }
        return request.metadataSession() != null ? request.metadataSession() : "default";
    }

    private static void notFound(HttpExchange exchange, Facts facts, String message) throws IOException {
        reply(exchange, facts, 404, "not_found_error", message);
    }

    static void reply(HttpExchange exchange, Facts facts, int status, String type, String message) throws IOException {
        facts.record(status);
        ScriptedModelServer.send(
                exchange,
                status,
                facts.openai ? ResponsesWire.error(type, message) : AnthropicWire.error(type, message));
    }

    private static long parseLong(String s) {
        try {
            return Long.parseLong(s.strip());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** 24 hex digits derived from the seed, so ids are stable per route, conversation and turn. */
    static String digest(String seed) {
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(seed.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(hash, 0, 12);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void drain(InputStream in, long limit) {
        byte[] buf = new byte[8192];
        long left = limit;
        try {
            int n;
            while (left > 0 && (n = in.read(buf, 0, (int) Math.min(buf.length, left))) > 0) left -= n;
        } catch (IOException ignored) {
            // the client went away: nothing to answer
        }
    }
}
