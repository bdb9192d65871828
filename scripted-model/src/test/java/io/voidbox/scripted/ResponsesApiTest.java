package io.voidbox.scripted;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
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

/**
 * The OpenAI Responses API side of the scripted server ({@code POST /r/<key>/v1/responses}), checked
 * with a plain JDK HttpClient against the shapes the Codex CLI reads; the real CLI runs against it in
 * the Codex module's end-to-end tests.
 */
class ResponsesApiTest {
    private static final ObjectMapper JSON = JsonMapper.builder().build();
    private static final Scenario SCRIPT = Scenario.parse("""
            turns:
              - text: "I'll write the file in {{workspace}}."
                tool_use:
                  - name: exec_command
                    input: {cmd: "echo hi > {{workspace}}/out.txt && cat {{workspace}}/out.txt"}
                  - name: apply_patch
                    input:
                      patch: "*** Begin Patch\\n*** Add File: {{workspace}}/a.md\\n+é ✓\\n*** End Patch\\n"
                usage: {input_tokens: 1000, output_tokens: 500, cache_read_input_tokens: 3000, cache_creation_input_tokens: 2000}
              - error: {status: 400, type: invalid_request_error, message: scripted bad request}
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
        server = ScriptedModelServer.start(
                ScriptedModelServer.Options.DEFAULTS.withRequestLog(log).withListener(seen::add));
    }

    @AfterEach
    void stop() {
        server.close();
        client.close();
    }

    /** A request shaped like Codex's: function and custom tools, input items, its thread as cache key. */
    private static String body(boolean stream, String toolOutput) {
        ObjectNode b = JSON.createObjectNode().put("model", "gpt-5.5").put("stream", stream);
        ArrayNode tools = b.putArray("tools");
        tools.addObject().put("type", "function").put("name", "exec_command");
        tools.addObject().put("type", "custom").put("name", "apply_patch");
        tools.addObject().put("type", "web_search");
        ArrayNode input = b.putArray("input");
        input.addObject()
                .put("type", "message")
                .put("role", "user")
                .putArray("content")
                .addObject()
                .put("type", "input_text")
                .put("text", "do it");
        if (toolOutput != null) {
            input.addObject()
                    .put("type", "function_call_output")
                    .put("call_id", "call_1")
                    .put("output", toolOutput);
        }
        return b.put("prompt_cache_key", "thread-from-body").toString();
    }

    private HttpResponse<String> post(String key, String session, String body) throws Exception {
        HttpRequest.Builder r = HttpRequest.newBuilder(URI.create(server.baseUrl(key) + "/v1/responses"))
                .header("content-type", "application/json")
                .header("authorization", "Bearer sk-openai-secret")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (session != null) r.header("session-id", session);
        return client.send(r.build(), HttpResponse.BodyHandlers.ofString());
    }

    private record Sse(String event, JsonNode data) {
        static List<Sse> parse(String body) throws Exception {
            List<Sse> out = new ArrayList<>();
            for (String block : body.split("\n\n")) {
                if (block.isBlank()) continue;
                String event = null;
                String data = null;
                for (String line : block.split("\n")) {
                    if (line.startsWith("event: ")) event = line.substring(7);
                    if (line.startsWith("data: ")) data = line.substring(6);
                }
                out.add(new Sse(event, JSON.readTree(data)));
            }
            return out;
        }
    }

    @Test
    void streamsTextFunctionCallAndCustomToolCallAsResponseEvents() throws Exception {
        String key = server.register(SCRIPT, Map.of("workspace", "/work/ws"));

        HttpResponse<String> response = post(key, "thread-1", body(true, null));

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("content-type"))
                .hasValueSatisfying(v -> assertThat(v).startsWith("text/event-stream"));
        List<Sse> events = Sse.parse(response.body());
        assertThat(events)
                .allSatisfy(e -> assertThat(e.data().path("type").asText()).isEqualTo(e.event()));
        assertThat(events)
                .extracting(e -> e.data().path("sequence_number").asInt())
                .isSorted()
                .doesNotHaveDuplicates();
        assertThat(events.getFirst().event()).isEqualTo("response.created");
        assertThat(events.getLast().event()).isEqualTo("response.completed");
        assertThat(events)
                .extracting(Sse::event)
                .containsSubsequence(
                        "response.output_item.added",
                        "response.output_text.delta",
                        "response.output_item.done",
                        "response.output_item.added",
                        "response.function_call_arguments.delta",
                        "response.function_call_arguments.done",
                        "response.output_item.done",
                        "response.output_item.added",
                        "response.custom_tool_call_input.delta",
                        "response.custom_tool_call_input.done",
                        "response.output_item.done");

        StringBuilder text = new StringBuilder();
        StringBuilder arguments = new StringBuilder();
        StringBuilder patch = new StringBuilder();
        for (Sse e : events) {
            switch (e.event()) {
                case "response.output_text.delta" ->
                    text.append(e.data().path("delta").asText());
                case "response.function_call_arguments.delta" ->
                    arguments.append(e.data().path("delta").asText());
                case "response.custom_tool_call_input.delta" ->
                    patch.append(e.data().path("delta").asText());
                default -> {}
            }
        }
        assertThat(text.toString()).isEqualTo("I'll write the file in /work/ws.");
        assertThat(JSON.readTree(arguments.toString()).path("cmd").asText())
                .isEqualTo("echo hi > /work/ws/out.txt && cat /work/ws/out.txt");
        assertThat(patch.toString())
                .as("a custom tool gets the raw text, not JSON")
                .isEqualTo("*** Begin Patch\n*** Add File: /work/ws/a.md\n+é ✓\n*** End Patch\n");

        List<JsonNode> done = events.stream()
                .filter(e -> e.event().equals("response.output_item.done"))
                .map(e -> e.data().path("item"))
                .toList();
        assertThat(done)
                .extracting(i -> i.path("type").asText())
                .containsExactly("message", "function_call", "custom_tool_call");
        assertThat(done.get(0).path("content").get(0).path("text").asText()).isEqualTo(text.toString());
        assertThat(done.get(1).path("name").asText()).isEqualTo("exec_command");
        assertThat(done.get(1).path("arguments").asText()).isEqualTo(arguments.toString());
        assertThat(done.get(1).path("call_id").asText()).startsWith("call_");
        assertThat(done.get(2).path("name").asText()).isEqualTo("apply_patch");
        assertThat(done.get(2).path("input").asText()).isEqualTo(patch.toString());
        assertThat(done.get(1).path("call_id").asText())
                .isNotEqualTo(done.get(2).path("call_id").asText());

        JsonNode completed = events.getLast().data().path("response");
        assertThat(completed.path("status").asText()).isEqualTo("completed");
        assertThat(completed.path("id").asText()).startsWith("resp_");
        assertThat(completed.path("output")).hasSize(3);
        JsonNode usage = completed.path("usage");
        assertThat(usage.path("input_tokens").asLong())
                .as("OpenAI counts cached input inside input_tokens")
                .isEqualTo(1000 + 3000 + 2000);
        assertThat(usage.path("input_tokens_details").path("cached_tokens").asLong())
                .isEqualTo(3000);
        assertThat(usage.path("output_tokens").asLong()).isEqualTo(500);
        assertThat(usage.path("total_tokens").asLong()).isEqualTo(6500);
    }

    @Test
    void errorTurnAnswersWithItsStatusAndAnOpenAiErrorBodyThenTheConversationGoesOn() throws Exception {
        String key = server.register(SCRIPT, Map.of());

        post(key, "thread-1", body(true, null));
        HttpResponse<String> failed = post(key, "thread-1", body(true, "hi\n"));
        HttpResponse<String> last = post(key, "thread-1", body(false, "again"));

        assertThat(failed.statusCode()).isEqualTo(400);
        JsonNode error = JSON.readTree(failed.body()).path("error");
        assertThat(error.path("message").asText()).isEqualTo("scripted bad request");
        assertThat(error.path("type").asText()).isEqualTo("invalid_request_error");
        assertThat(error.has("param")).isTrue();
        assertThat(last.statusCode()).isEqualTo(200);
        JsonNode response = JSON.readTree(last.body());
        assertThat(response.path("object").asText()).isEqualTo("response");
        assertThat(response.path("output")
                        .get(0)
                        .path("content")
                        .get(0)
                        .path("text")
                        .asText())
                .isEqualTo("Done.");
        assertThat(response.path("usage").path("input_tokens").asLong()).isEqualTo(100);
        assertThat(seen).extracting(RequestRecord::turn).containsExactly(0, 1, 2);
        assertThat(seen).extracting(RequestRecord::status).containsExactly(200, 400, 200);
    }

    @Test
    void conversationsAreCountedApartBySessionHeaderElsePromptCacheKey() throws Exception {
        String key = server.register(SCRIPT, Map.of());

        post(key, "thread-a", body(false, null));
        post(key, "thread-b", body(false, null));
        post(key, null, body(false, null));

        assertThat(seen)
                .extracting(RequestRecord::conversation)
                .containsExactly("thread-a", "thread-b", "thread-from-body");
        assertThat(seen).extracting(RequestRecord::turn).containsExactly(0, 0, 0);
    }

    @Test
    void logsTheLastToolOutputAndNeverTheKey() throws Exception {
        String key = server.register(SCRIPT, Map.of());

        post(key, "thread-1", body(true, null));
        post(key, "thread-1", body(true, "Process exited with code 0\nOutput:\nhi\n"));

        RequestRecord second = seen.get(1);
        assertThat(second.path()).isEqualTo("/r/" + key + "/v1/responses");
        assertThat(second.model()).isEqualTo("gpt-5.5");
        assertThat(second.stream()).isTrue();
        assertThat(second.tools()).isEqualTo(3);
        assertThat(second.messages()).isEqualTo(2);
        assertThat(second.lastToolResult()).endsWith("Output:\nhi\n");
        assertThat(Files.readString(log))
                .contains("\"last_tool_result\":\"Process exited")
                .doesNotContain("sk-openai");
    }

    @Test
    void badRequestsGetOpenAiErrorsAndConsumeNoTurn() throws Exception {
        String key = server.register(SCRIPT, Map.of());

        HttpResponse<String> malformed = post(key, "s", "{not json");
        HttpResponse<String> noInput = post(key, "s", "{\"model\":\"m\"}");
        HttpResponse<String> unknownRoute = post("nosuchroute", "s", body(true, null));

        assertThat(malformed.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(malformed.body()).path("error").path("type").asText())
                .isEqualTo("invalid_request_error");
        assertThat(noInput.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(noInput.body()).path("error").path("message").asText())
                .contains("input");
        assertThat(unknownRoute.statusCode()).isEqualTo(404);
        assertThat(JSON.readTree(unknownRoute.body()).path("error").has("param"))
                .as("OpenAI-shaped even before the route is known")
                .isTrue();
        assertThat(post(key, "s", body(false, null)).statusCode()).isEqualTo(200);
        assertThat(seen.getLast().turn()).isZero();
    }
}
