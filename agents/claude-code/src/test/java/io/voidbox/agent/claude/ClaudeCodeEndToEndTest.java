package io.voidbox.agent.claude;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.voidbox.scripted.RequestRecord;
import io.voidbox.scripted.Scenario;
import io.voidbox.scripted.ScriptedModelServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The real Claude Code CLI against the scripted model server: it must run the scripted tools for
 * real, send their output back, and account the scripted tokens. Skipped (with the reason) only when
 * npm is unavailable to install the CLI.
 */
class ClaudeCodeEndToEndTest {
    private static final String MODEL = "claude-sonnet-4-5";
    private static final Duration TIMEOUT = Duration.ofSeconds(120);
    private static final String SCRIPT = """
            turns:
              - text: "I'll run a command."
                tool_use:
                  - name: Bash
                    input:
                      command: "echo hello > {{workspace}}/out.txt && cat {{workspace}}/out.txt"
                      description: "Write hello to out.txt"
                usage: {input_tokens: 1000, output_tokens: 500, cache_read_input_tokens: 3000, cache_creation_input_tokens: 2000}
              - tool_use:
                  - name: Write
                    input: {file_path: "{{workspace}}/notes.md", content: "# Notes\\n{{marker}}\\n"}
                usage: {input_tokens: 200, output_tokens: 20}
              - tool_use:
                  - name: Read
                    input: {file_path: "{{workspace}}/notes.md"}
                usage: {input_tokens: 300, output_tokens: 30}
              - text: "Done: {{marker}}."
                usage: {input_tokens: 100, output_tokens: 50}
            """;

    @TempDir
    Path tmp;

    private final List<RequestRecord> requests = new CopyOnWriteArrayList<>();
    private ScriptedModelServer server;

    @BeforeEach
    void start() throws Exception {
        server = ScriptedModelServer.start(ScriptedModelServer.Options.DEFAULTS
                .withRequestLog(tmp.resolve("requests.jsonl"))
                .withListener(requests::add));
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @ParameterizedTest
    @EnumSource(ClaudeCli.Version.class)
    void cliRunsScriptedBashWriteAndReadAndReportsScriptedTokens(ClaudeCli.Version version) throws Exception {
        Path claude = version.binary();
        Path workspace = Files.createDirectories(tmp.resolve("ws"));
        String key = server.register(
                Scenario.parse(SCRIPT, "e2e.yaml"),
                Map.of("workspace", workspace.toString(), "marker", "scripted-one"));

        ClaudeCli.Result run = ClaudeCli.runHeadless(
                claude,
                "Do the scripted task.",
                MODEL,
                server.baseUrl("127.0.0.1", key),
                workspace,
                Files.createDirectories(tmp.resolve("home")),
                TIMEOUT);

        assertThat(run.exitCode()).as(run.toString()).isZero();
        assertThat(workspace.resolve("out.txt")).hasContent("hello");
        assertThat(Files.readString(workspace.resolve("notes.md"), StandardCharsets.UTF_8))
                .isEqualTo("# Notes\nscripted-one\n");

        List<RequestRecord> messages =
                requests.stream().filter(r -> r.method().equals("POST")).toList();
        assertThat(messages).extracting(RequestRecord::turn).containsExactly(0, 1, 2, 3);
        assertThat(messages).allSatisfy(r -> {
            assertThat(r.path()).isEqualTo("/r/" + key + "/v1/messages?beta=true");
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.stream()).isTrue();
            assertThat(r.model()).isEqualTo(MODEL);
            assertThat(r.tools()).isGreaterThan(10);
            assertThat(r.sideRequest()).isFalse();
            assertThat(r.conversation())
                    .isEqualTo(messages.getFirst().conversation())
                    .isNotEqualTo("default");
        });
        assertThat(messages.get(0).lastToolResult()).isNull();
        assertThat(messages.get(1).lastToolResult()).as("Bash output sent back").contains("hello");
        assertThat(messages.get(3).lastToolResult()).as("Read output sent back").contains("scripted-one");
        assertThat(Files.readString(tmp.resolve("requests.jsonl")))
                .contains("\"last_tool_result\":\"hello") // 2.1.3xx appends a system reminder
                .doesNotContain("\"scripted\"");

        JsonNode result = run.result().orElseThrow(() -> new AssertionError("no result line\n" + run));
        assertThat(result.path("is_error").asBoolean()).as(run.toString()).isFalse();
        assertThat(result.path("result").asText()).isEqualTo("Done: scripted-one.");
        assertThat(result.path("num_turns").asInt()).isEqualTo(4);
        assertThat(result.path("session_id").asText())
                .isEqualTo(messages.getFirst().conversation());
        JsonNode usage = result.path("usage");
        assertThat(usage.path("input_tokens").asLong()).isEqualTo(1000 + 200 + 300 + 100);
        assertThat(usage.path("output_tokens").asLong()).isEqualTo(500 + 20 + 30 + 50);
        assertThat(usage.path("cache_read_input_tokens").asLong()).isEqualTo(3000);
        assertThat(usage.path("cache_creation_input_tokens").asLong()).isEqualTo(2000);
    }

    @ParameterizedTest
    @EnumSource(ClaudeCli.Version.class)
    void twoConcurrentCliRunsOnTwoRoutesDoNotMix(ClaudeCli.Version version) throws Exception {
        Path claude = version.binary();
        Path wsA = Files.createDirectories(tmp.resolve("a/ws"));
        Path wsB = Files.createDirectories(tmp.resolve("b/ws"));
        Scenario scenario = Scenario.parse(SCRIPT, "e2e.yaml");
        String keyA = server.register(scenario, Map.of("workspace", wsA.toString(), "marker", "alpha"));
        String keyB = server.register(scenario, Map.of("workspace", wsB.toString(), "marker", "beta"));

        ClaudeCli.Result a;
        ClaudeCli.Result b;
        try (var pool = Executors.newFixedThreadPool(2)) {
            Future<ClaudeCli.Result> fa = pool.submit(() -> ClaudeCli.runHeadless(
                    claude,
                    "Task A",
                    MODEL,
                    server.baseUrl("127.0.0.1", keyA),
                    wsA,
                    Files.createDirectories(tmp.resolve("a/home")),
                    TIMEOUT));
            Future<ClaudeCli.Result> fb = pool.submit(() -> ClaudeCli.runHeadless(
                    claude,
                    "Task B",
                    MODEL,
                    server.baseUrl("127.0.0.1", keyB),
                    wsB,
                    Files.createDirectories(tmp.resolve("b/home")),
                    TIMEOUT));
            a = fa.get();
            b = fb.get();
        }

        assertThat(a.exitCode()).as(a.toString()).isZero();
        assertThat(b.exitCode()).as(b.toString()).isZero();
        assertThat(a.result().orElseThrow().path("result").asText()).isEqualTo("Done: alpha.");
        assertThat(b.result().orElseThrow().path("result").asText()).isEqualTo("Done: beta.");
        assertThat(Files.readString(wsA.resolve("notes.md"))).contains("alpha");
        assertThat(Files.readString(wsB.resolve("notes.md"))).contains("beta");
        for (String key : List.of(keyA, keyB)) {
            List<RequestRecord> route = requests.stream()
                    .filter(r -> key.equals(r.route()) && r.method().equals("POST"))
                    .toList();
            assertThat(route).extracting(RequestRecord::turn).containsExactly(0, 1, 2, 3);
            assertThat(route)
                    .extracting(RequestRecord::conversation)
                    .containsOnly(route.getFirst().conversation());
        }
        assertThat(requests.stream().filter(r -> keyA.equals(r.route())).map(RequestRecord::lastToolResult))
                .anyMatch(t -> t != null && t.contains("alpha"))
                .noneMatch(t -> t != null && t.contains("beta"));
    }

    @ParameterizedTest
    @EnumSource(ClaudeCli.Version.class)
    void scriptedServerErrorIsRetriedAndClientErrorEndsTheRun(ClaudeCli.Version version) throws Exception {
        Path claude = version.binary();
        Path workspace = Files.createDirectories(tmp.resolve("ws"));
        String retried = server.register(Scenario.parse("""
                turns:
                  - error: {status: 500, type: api_error, message: overloaded}
                  - text: "Recovered."
                """, "retry.yaml"), Map.of());
        String refused = server.register(Scenario.parse("""
                turns:
                  - error: {status: 400, type: invalid_request_error, message: scripted bad request}
                    repeat: 10
                """, "refused.yaml"), Map.of());

        ClaudeCli.Result ok = ClaudeCli.runHeadless(
                claude,
                "hi",
                MODEL,
                server.baseUrl("127.0.0.1", retried),
                workspace,
                Files.createDirectories(tmp.resolve("h1")),
                TIMEOUT);
        ClaudeCli.Result failed = ClaudeCli.runHeadless(
                claude,
                "hi",
                MODEL,
                server.baseUrl("127.0.0.1", refused),
                workspace,
                Files.createDirectories(tmp.resolve("h2")),
                TIMEOUT);

        assertThat(ok.exitCode()).as(ok.toString()).isZero();
        assertThat(ok.result().orElseThrow().path("result").asText()).isEqualTo("Recovered.");
        assertThat(requests.stream()
                        .filter(r -> retried.equals(r.route()) && r.method().equals("POST")))
                .extracting(RequestRecord::status)
                .containsExactly(500, 200);
        assertThat(failed.exitCode()).as(failed.toString()).isEqualTo(1);
        JsonNode result = failed.result().orElseThrow();
        assertThat(result.path("is_error").asBoolean()).isTrue();
        assertThat(result.path("api_error_status").asInt()).isEqualTo(400);
        assertThat(result.path("result").asText()).contains("scripted bad request");
    }
}
