package io.voidbox.scripted;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The wire format, checked with a plain JDK HttpClient. */
class ScriptedModelServerTest {
    private static final ObjectMapper JSON = JsonMapper.builder().build();
    private static final Scenario SCRIPT = Scenario.parse("""
            turns:
              - text: "I'll write the file in {{workspace}}."
                tool_use:
                  - name: Bash
                    input: {command: "echo hi > {{workspace}}/out.txt && cat {{workspace}}/out.txt", description: "écrire ✓"}
                usage: {input_tokens: 1000, output_tokens: 500, cache_read_input_tokens: 3000, cache_creation_input_tokens: 2000}
              - error: {status: 500, type: api_error, message: overloaded}
              - text: "Done."
                usage: {input_tokens: 100, output_tokens: 50}
            """, "script.yaml");

    @TempDir
    Path dir;

    private final HttpClient client =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final List<RequestRecord> seen = new CopyOnWriteArrayList<>();
    private ScriptedModelServer server;
    private Path log;

    @BeforeEach
    void start() throws Exception {
        log = dir.resolve("requests.jsonl");
        server = ScriptedModelServer.start(ScriptedModelServer.Options.DEFAULTS
                .withRequestLog(log)
                .withListener(seen::add)
                .withMaxRequestBytes(64 * 1024));
    }

    @AfterEach
    void stop() {
        server.close();
        client.close();
    }

    @Test
    void listensOnTheHostsLoopbackOnly() throws Exception {
        assertThat(server.baseUrl("k")).startsWith("http://127.0.0.1:" + server.port() + "/");
        List<InetAddress> others = NetworkInterface.networkInterfaces()
                .flatMap(NetworkInterface::inetAddresses)
                .filter(a -> a instanceof Inet4Address && !a.isLoopbackAddress())
                .toList();
        for (InetAddress other : others) {
            assertThatThrownBy(() -> new Socket(other, server.port()).close())
                    .as("connect to %s", other)
                    .isInstanceOf(ConnectException.class);
        }
        try (Socket loopback = new Socket(InetAddress.getLoopbackAddress(), server.port())) {
            assertThat(loopback.isConnected()).isTrue();
        }
    }

    @Test
    void streamsTextAndToolUseAsServerSentEvents() throws Exception {
        String key = server.register(SCRIPT, Map.of("workspace", "/work/ws"));

        HttpResponse<String> response = post(key, "s1", body(true, "claude-sonnet-4-5", 3));

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("content-type"))
                .hasValueSatisfying(v -> assertThat(v).startsWith("text/event-stream"));
        assertThat(response.headers().firstValue("request-id"))
                .hasValueSatisfying(v -> assertThat(v).startsWith("req_"));
        List<Sse> events = Sse.parse(response.body());
        assertThat(events)
                .extracting(Sse::event)
                .containsSubsequence(
                        "message_start",
                        "content_block_start",
                        "content_block_delta",
                        "content_block_stop",
                        "content_block_start",
                        "content_block_delta",
                        "content_block_stop",
                        "message_delta",
                        "message_stop");
        events.forEach(e -> assertThat(e.data().path("type").asText()).isEqualTo(e.event()));

        JsonNode start = events.getFirst().data().path("message");
        assertThat(start.path("id").asText()).startsWith("msg_");
        assertThat(start.path("model").asText()).isEqualTo("claude-sonnet-4-5");
        assertThat(start.path("usage").path("input_tokens").asLong()).isEqualTo(1000);
        assertThat(start.path("usage").path("cache_read_input_tokens").asLong()).isEqualTo(3000);
        assertThat(start.path("usage").path("cache_creation_input_tokens").asLong())
                .isEqualTo(2000);

        StringBuilder text = new StringBuilder();
        StringBuilder toolJson = new StringBuilder();
        JsonNode toolBlock = null;
        for (Sse e : events) {
            JsonNode d = e.data();
            if (e.event().equals("content_block_start")
                    && d.path("content_block").path("type").asText().equals("tool_use")) {
                toolBlock = d.path("content_block");
                assertThat(d.path("index").asInt()).isEqualTo(1);
            }
            if (e.event().equals("content_block_delta")) {
                switch (d.path("delta").path("type").asText()) {
                    case "text_delta" ->
                        text.append(d.path("delta").path("text").asText());
                    case "input_json_delta" ->
                        toolJson.append(d.path("delta").path("partial_json").asText());
                    default -> throw new AssertionError("unexpected delta " + d);
                }
            }
        }
        assertThat(text).hasToString("I'll write the file in /work/ws.");
        assertThat(events.stream()
                        .filter(e ->
                                e.data().path("delta").path("type").asText().equals("input_json_delta")))
                .as("tool input arrives in several deltas")
                .hasSizeGreaterThan(1);
        assertThat(toolBlock).isNotNull();
        assertThat(toolBlock.path("name").asText()).isEqualTo("Bash");
        assertThat(toolBlock.path("id").asText()).startsWith("toolu_");
        assertThat(toolBlock.path("input").isObject()).isTrue();
        JsonNode input = JSON.readTree(toolJson.toString());
        assertThat(input.path("command").asText()).isEqualTo("echo hi > /work/ws/out.txt && cat /work/ws/out.txt");
        assertThat(input.path("description").asText()).isEqualTo("écrire ✓");

        JsonNode delta = events.get(events.size() - 2).data();
        assertThat(delta.path("delta").path("stop_reason").asText()).isEqualTo("tool_use");
        assertThat(delta.path("usage").path("output_tokens").asLong()).isEqualTo(500);
    }

    @Test
    void errorTurnAnswersItsStatusAndTheRetryGetsTheNextTurn() throws Exception {
        String key = server.register(SCRIPT, Map.of());
        post(key, "s1", body(true, "m", 1));

        HttpResponse<String> failed = post(key, "s1", body(true, "m", 3));
        HttpResponse<String> retried = post(key, "s1", body(true, "m", 3));

        assertThat(failed.statusCode()).isEqualTo(500);
        JsonNode error = JSON.readTree(failed.body());
        assertThat(error.path("type").asText()).isEqualTo("error");
        assertThat(error.path("error").path("type").asText()).isEqualTo("api_error");
        assertThat(error.path("error").path("message").asText()).isEqualTo("overloaded");
        assertThat(retried.statusCode()).isEqualTo(200);
        List<Sse> events = Sse.parse(retried.body());
        assertThat(events.get(events.size() - 2)
                        .data()
                        .path("delta")
                        .path("stop_reason")
                        .asText())
                .isEqualTo("end_turn");
        assertThat(seen).extracting(RequestRecord::turn).containsExactly(0, 1, 2);
        assertThat(seen).extracting(RequestRecord::status).containsExactly(200, 500, 200);
    }

    @Test
    void clientErrorTurnAnswersItsStatus() throws Exception {
        String key = server.register(
                Scenario.of(new ErrorTurn(400, "invalid_request_error", "scripted bad request")), Map.of());

        HttpResponse<String> response = post(key, "s1", body(true, "m", 1));

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(response.body()).path("error").path("message").asText())
                .isEqualTo("scripted bad request");
    }

    @Test
    void answersNonStreamingRequestsWithAPlainMessage() throws Exception {
        String key = server.register(new Scenario("claude-opus-4", SCRIPT.turns()), Map.of());

        HttpResponse<String> response = post(key, "s1", body(false, "claude-sonnet-4-5", 1));

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("content-type")).hasValue("application/json");
        JsonNode msg = JSON.readTree(response.body());
        assertThat(msg.path("type").asText()).isEqualTo("message");
        assertThat(msg.path("role").asText()).isEqualTo("assistant");
        assertThat(msg.path("model").asText()).as("scenario model wins").isEqualTo("claude-opus-4");
        assertThat(msg.path("stop_reason").asText()).isEqualTo("tool_use");
        assertThat(msg.path("content").get(0).path("text").asText()).isEqualTo("I'll write the file in /workspace.");
        assertThat(msg.path("content").get(1).path("type").asText()).isEqualTo("tool_use");
        assertThat(msg.path("content").get(1).path("input").path("command").asText())
                .startsWith("echo hi > /workspace/out.txt");
        assertThat(msg.path("usage").path("output_tokens").asLong()).isEqualTo(500);
    }

    @Test
    void answersHeadOnRootAndRegisteredRoutes() throws Exception {
        String key = server.register(SCRIPT, Map.of());

        assertThat(head("/").statusCode()).isEqualTo(200);
        assertThat(head("/r/" + key).statusCode()).isEqualTo(200);
        assertThat(head("/r/nope").statusCode()).isEqualTo(404);
    }

    @Test
    void unknownRouteAndPathGet404WithAnthropicError() throws Exception {
        String key = server.register(SCRIPT, Map.of());

        HttpResponse<String> noRoute = post("nope", "s1", body(true, "m", 1));
        HttpResponse<String> noPath = send(HttpRequest.newBuilder(uri("/r/" + key + "/v1/complete"))
                .POST(HttpRequest.BodyPublishers.ofString("{}")));
        HttpResponse<String> root = send(HttpRequest.newBuilder(uri("/v1/messages"))
                .POST(HttpRequest.BodyPublishers.ofString(body(true, "m", 1))));

        for (HttpResponse<String> r : List.of(noRoute, noPath, root)) {
            assertThat(r.statusCode()).isEqualTo(404);
            assertThat(JSON.readTree(r.body()).path("error").path("type").asText())
                    .isEqualTo("not_found_error");
        }
        assertThat(JSON.readTree(noRoute.body()).path("error").path("message").asText())
                .contains("nope");
    }

    @Test
    void unregisteredRouteGets404() throws Exception {
        String key = server.register(SCRIPT, Map.of());
        server.unregister(key);

        assertThat(post(key, "s1", body(true, "m", 1)).statusCode()).isEqualTo(404);
    }

    @Test
    void answersAFinalTextTurnWhenTheScriptRunsOut() throws Exception {
        String key = server.register(Scenario.of(Reply.text("only")), Map.of());
        post(key, "s1", body(true, "m", 1));

        HttpResponse<String> response = post(key, "s1", body(false, "m", 3));

        JsonNode msg = JSON.readTree(response.body());
        assertThat(msg.path("content").get(0).path("text").asText()).contains("no more turns");
        assertThat(msg.path("stop_reason").asText()).isEqualTo("end_turn");
    }

    @Test
    void keepsConversationsApartBySessionHeaderOrMetadata() throws Exception {
        String key = server.register(Scenario.of(Reply.text("first"), Reply.text("second")), Map.of());

        assertThat(text(post(key, "a", body(false, "m", 1)))).isEqualTo("first");
        assertThat(text(post(key, "b", body(false, "m", 1)))).isEqualTo("first");
        assertThat(text(post(key, "a", body(false, "m", 3)))).isEqualTo("second");
        ObjectNode withMetadata = (ObjectNode) JSON.readTree(body(false, "m", 1));
        withMetadata.putObject("metadata").put("user_id", "{\"device_id\":\"d\",\"session_id\":\"meta-1\"}");
        assertThat(text(post(key, null, withMetadata.toString()))).isEqualTo("first");
        assertThat(text(post(key, null, withMetadata.toString()))).isEqualTo("second");
        assertThat(seen).extracting(RequestRecord::conversation).containsExactly("a", "b", "a", "meta-1", "meta-1");
    }

    @Test
    void aCutTurnDropsTheConnectionInTheMiddleOfTheAnswerAndTheNextRequestGetsTheNextTurn() throws Exception {
        String key = server.register(Scenario.parse("""
                turns:
                  - text: "This answer is longer than one chunk of the stream."
                    cut: true
                    repeat: 2
                  - text: "Whole."
                """, "cut.yaml"), Map.of());

        assertThatThrownBy(() -> post(key, "s1", body(true, "m", 1)))
                .as("a stream that stops mid-body")
                .isInstanceOf(IOException.class);
        assertThatThrownBy(() -> post(key, "s1", body(false, "m", 1)))
                .as("a plain answer that stops mid-body")
                .isInstanceOf(IOException.class);
        assertThat(text(post(key, "s1", body(false, "m", 1)))).isEqualTo("Whole.");
        assertThat(seen).extracting(RequestRecord::turn).containsExactly(0, 1, 2);
    }

    @Test
    void aCutStreamEndsAfterItsFirstContentChunk() throws Exception {
        String key = server.register(Scenario.parse("""
                turns:
                  - text: "This answer is longer than one chunk of the stream."
                    cut: true
                """, "cut.yaml"), Map.of());
        var request = HttpRequest.newBuilder(uri("/r/" + key + "/v1/messages"))
                .header("X-Claude-Code-Session-Id", "s1")
                .POST(HttpRequest.BodyPublishers.ofString(body(true, "m", 1)))
                .timeout(Duration.ofSeconds(10))
                .build();

        HttpResponse<InputStream> response = client.send(request, HttpResponse.BodyHandlers.ofInputStream());
        var received = new ByteArrayOutputStream();
        assertThatThrownBy(() -> response.body().transferTo(received)).isInstanceOf(IOException.class);

        String got = received.toString(StandardCharsets.UTF_8);
        assertThat(got).contains("event: message_start", "event: content_block_delta");
        assertThat(got).doesNotContain("message_stop");
    }

    @Test
    void subagentRequestsPlayTheirOwnTurnsPerAgentWhenTheScenarioHasThem() throws Exception {
        String key = server.register(Scenario.parse("""
                turns:
                  - text: "main 1"
                  - text: "main 2"
                subagent_turns:
                  - text: "sub 1"
                  - text: "sub 2"
                """, "agents.yaml"), Map.of());

        assertThat(text(post(key, "s1", body(false, "m", 1)))).isEqualTo("main 1");
        assertThat(text(postAsAgent(key, "s1", "a1"))).isEqualTo("sub 1");
        assertThat(text(postAsAgent(key, "s1", "a2"))).isEqualTo("sub 1");
        assertThat(text(postAsAgent(key, "s1", "a1"))).isEqualTo("sub 2");
        assertThat(text(post(key, "s1", body(false, "m", 3)))).isEqualTo("main 2");
        assertThat(seen)
                .extracting(RequestRecord::conversation)
                .containsExactly("s1", "s1/agent:a1", "s1/agent:a2", "s1/agent:a1", "s1");

        String shared = server.register(Scenario.of(Reply.text("one"), Reply.text("two")), Map.of());
        assertThat(text(post(shared, "s2", body(false, "m", 1)))).isEqualTo("one");
        assertThat(text(postAsAgent(shared, "s2", "a1")))
                .as("without subagent_turns, subagents take the conversation's next turn")
                .isEqualTo("two");
    }

    private HttpResponse<String> postAsAgent(String key, String session, String agent) throws Exception {
        return send(HttpRequest.newBuilder(uri("/r/" + key + "/v1/messages?beta=true"))
                .header("X-Claude-Code-Session-Id", session)
                .header(ScriptedModelServer.AGENT_HEADER, agent)
                .POST(HttpRequest.BodyPublishers.ofString(body(false, "m", 1))));
    }

    @Test
    void sideRequestsDoNotConsumeTurns() throws Exception {
        String key = server.register(Scenario.of(Reply.text("real")), Map.of());
        ObjectNode title =
                JSON.createObjectNode().put("model", "claude-haiku-4-5").put("max_tokens", 512);
        title.putArray("messages").addObject().put("role", "user").put("content", "Generate a title");

        assertThat(text(post(key, "s", title.toString()))).isEqualTo("Scripted.");
        assertThat(text(post(key, "s", body(false, "claude-haiku-4-5", 1))))
                .as("haiku with tools is the main loop")
                .isEqualTo("real");
        assertThat(seen).extracting(RequestRecord::sideRequest).containsExactly(true, false);
    }

    @Test
    void idsAreDeterministicPerRouteConversationAndTurn() throws Exception {
        server.register("box-1", SCRIPT, Map.of());
        String first = JSON.readTree(post("box-1", "s", body(false, "m", 1)).body())
                .path("content")
                .get(1)
                .path("id")
                .asText();
        String other = JSON.readTree(post("box-1", "t", body(false, "m", 1)).body())
                .path("content")
                .get(1)
                .path("id")
                .asText();
        server.unregister("box-1");
        server.register("box-1", SCRIPT, Map.of());
        String again = JSON.readTree(post("box-1", "s", body(false, "m", 1)).body())
                .path("content")
                .get(1)
                .path("id")
                .asText();

        assertThat(first).startsWith("toolu_").isEqualTo(again).isNotEqualTo(other);
    }

    @Test
    void requestsBeyondTheInFlightLimitAreAnsweredOverloadedWithoutBufferingTheirBodies() throws Exception {
        String key = server.register(SCRIPT, Map.of());
        List<Socket> stalled = new ArrayList<>();
        try {
            // each announces a body it never finishes sending: its handler waits, holding a slot
            for (int i = 0; i < Handler.MAX_IN_FLIGHT; i++) {
                Socket s = new Socket("127.0.0.1", server.port());
                s.getOutputStream()
                        .write(("POST /r/" + key + "/v1/messages HTTP/1.1\r\nHost: x\r\n"
                                        + "Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"pad\":")
                                .getBytes(StandardCharsets.US_ASCII));
                s.getOutputStream().flush();
                stalled.add(s);
            }
            for (int wait = 0; wait < 300 && server.requestsInFlight() < Handler.MAX_IN_FLIGHT; wait++) {
                Thread.sleep(100); // until every stalled request holds its slot (bounded: 30 s)
            }
            assertThat(server.requestsInFlight())
                    .as("stalled requests holding a slot")
                    .isEqualTo(Handler.MAX_IN_FLIGHT);
            HttpResponse<String> refused = post(key, "s", body(false, "m", 1));
            assertThat(refused.statusCode()).isEqualTo(529);
            assertThat(JSON.readTree(refused.body()).path("error").path("type").asText())
                    .isEqualTo("overloaded_error");
        } finally {
            for (Socket s : stalled) s.close();
        }
        HttpResponse<String> later = null;
        for (int attempt = 0; attempt < 50; attempt++) { // slots come back as the stalled handlers fail
            later = post(key, "s2", body(false, "m", 1));
            if (later.statusCode() != 529) break;
            Thread.sleep(100);
        }
        assertThat(later.statusCode()).isEqualTo(200);
    }

    @Test
    void rejectsMalformedAndOversizedBodies() throws Exception {
        String key = server.register(SCRIPT, Map.of());

        HttpResponse<String> malformed = post(key, "s", "{not json");
        HttpResponse<String> noMessages = post(key, "s", "{\"model\":\"m\"}");
        HttpResponse<String> huge = post(key, "s", "{\"pad\":\"" + "x".repeat(70 * 1024) + "\"}");

        assertThat(malformed.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(malformed.body()).path("error").path("type").asText())
                .isEqualTo("invalid_request_error");
        assertThat(noMessages.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(noMessages.body())
                        .path("error")
                        .path("message")
                        .asText())
                .contains("messages");
        assertThat(huge.statusCode()).isEqualTo(413);
        assertThat(seen).extracting(RequestRecord::turn).containsOnly(-1);
        assertThat(post(key, "s", body(false, "m", 1)).statusCode())
                .as("bad requests consumed no turn")
                .isEqualTo(200);
        assertThat(seen.getLast().turn()).isZero();
    }

    @Test
    void logsEveryRequestAsJsonLinesWithTheLastToolResultAndNoSecrets() throws Exception {
        String key = server.register(SCRIPT, Map.of());
        post(key, "s1", body(true, "claude-sonnet-4-5", 1));
        ObjectNode withResult = (ObjectNode) JSON.readTree(body(true, "claude-sonnet-4-5", 3));
        var content =
                withResult.withArray("messages").addObject().put("role", "user").putArray("content");
        content.addObject()
                .put("type", "tool_result")
                .put("tool_use_id", "toolu_1")
                .put("content", "old");
        var blocks = content.addObject()
                .put("type", "tool_result")
                .put("tool_use_id", "toolu_2")
                .putArray("content");
        blocks.addObject().put("type", "text").put("text", "hello");
        post(key, "s1", withResult.toString());
        head("/");

        List<String> lines = Files.readAllLines(log);
        assertThat(lines).hasSize(3);
        JsonNode first = JSON.readTree(lines.get(0));
        assertThat(first.path("route").asText()).isEqualTo(key);
        assertThat(first.path("method").asText()).isEqualTo("POST");
        assertThat(first.path("path").asText()).isEqualTo("/r/" + key + "/v1/messages?beta=true");
        assertThat(first.path("model").asText()).isEqualTo("claude-sonnet-4-5");
        assertThat(first.path("tools").asInt()).isEqualTo(2);
        assertThat(first.path("messages").asInt()).isEqualTo(1);
        assertThat(first.path("conversation").asText()).isEqualTo("s1");
        assertThat(first.path("last_tool_result").isNull()).isTrue();
        assertThat(first.path("ts").asText()).isNotEmpty();
        JsonNode second = JSON.readTree(lines.get(1));
        assertThat(second.path("messages").asInt()).isEqualTo(4);
        assertThat(second.path("last_tool_result").asText()).isEqualTo("hello");
        assertThat(second.path("status").asInt()).isEqualTo(500);
        assertThat(JSON.readTree(lines.get(2)).path("method").asText()).isEqualTo("HEAD");
        assertThat(Files.readString(log)).doesNotContain("sk-ant-secret");
    }

    @Test
    void substitutesOnlyAllowedEnvironmentVariables() throws Exception {
        Scenario s = Scenario.of(Reply.text("${GREETING} ${SECRET} {{who}}"));
        try (var other = ScriptedModelServer.start(ScriptedModelServer.Options.DEFAULTS
                .withAllowedEnv("GREETING")
                .withEnvironment(Map.of("GREETING", "hi", "SECRET", "x")::get))) {
            String key = other.register(s, Map.of("who", "bob"));
            var response = send(HttpRequest.newBuilder(URI.create(other.baseUrl(key) + "/v1/messages"))
                    .POST(HttpRequest.BodyPublishers.ofString(body(false, "m", 1))));
            assertThat(text(response)).isEqualTo("hi ${SECRET} bob");
        }
    }

    @Test
    void rejectsBadAndDuplicateRouteKeys() {
        server.register("box-a", SCRIPT, Map.of());

        assertThatThrownBy(() -> server.register("box-a", SCRIPT, Map.of())).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> server.register("a/b", SCRIPT, Map.of())).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void baseUrlNamesTheRouteAsTheClientSeesTheServer() {
        assertThat(server.baseUrl("10.0.2.2", "k1")).isEqualTo("http://10.0.2.2:" + server.port() + "/r/k1");
        assertThat(server.baseUrl("k1")).isEqualTo("http://127.0.0.1:" + server.port() + "/r/k1");
        assertThat(server.port()).isPositive();
    }

    // --- helpers -------------------------------------------------------------------------------

    record Sse(String event, JsonNode data) {
        static List<Sse> parse(String body) throws Exception {
            List<Sse> out = new ArrayList<>();
            for (String chunk : body.split("\n\n")) {
                if (chunk.isBlank()) {
                    continue;
                }
                String event = null;
                String data = null;
                for (String line : chunk.split("\n")) {
                    if (line.startsWith("event: ")) {
                        event = line.substring(7);
                    } else if (line.startsWith("data: ")) {
                        data = line.substring(6);
                    }
                }
                out.add(new Sse(event, JSON.readTree(data)));
            }
            return out;
        }
    }

    private static String body(boolean stream, String model, int messages) {
        ObjectNode body = JSON.createObjectNode()
                .put("model", model)
                .put("max_tokens", 32000)
                .put("stream", stream);
        body.putArray("tools")
                .add(JSON.createObjectNode().put("name", "Bash"))
                .add(JSON.createObjectNode().put("name", "Read"));
        var list = body.putArray("messages");
        for (int i = 0; i < messages; i++) {
            list.addObject().put("role", i % 2 == 0 ? "user" : "assistant").put("content", "m" + i);
        }
        return body.toString();
    }

    private static String text(HttpResponse<String> response) throws Exception {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return JSON.readTree(response.body())
                .path("content")
                .get(0)
                .path("text")
                .asText();
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + server.port() + path);
    }

    private HttpResponse<String> post(String key, String session, String body) throws Exception {
        var builder = HttpRequest.newBuilder(uri("/r/" + key + "/v1/messages?beta=true"))
                .header("x-api-key", "sk-ant-secret")
                .header("anthropic-version", "2023-06-01")
                .header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (session != null) {
            builder.header("X-Claude-Code-Session-Id", session);
        }
        return send(builder);
    }

    private HttpResponse<String> head(String path) throws Exception {
        return send(HttpRequest.newBuilder(uri(path)).method("HEAD", HttpRequest.BodyPublishers.noBody()));
    }

    private HttpResponse<String> send(HttpRequest.Builder builder) throws Exception {
        return client.send(builder.timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
