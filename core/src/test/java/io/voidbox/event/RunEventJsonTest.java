package io.voidbox.event;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.voidbox.Failure;
import io.voidbox.Usage;
import io.voidbox.event.RunEvent.AgentPermissionDenied;
import io.voidbox.event.RunEvent.AgentResult;
import io.voidbox.event.RunEvent.AgentRetry;
import io.voidbox.event.RunEvent.AgentSubagentCompleted;
import io.voidbox.event.RunEvent.AgentToolNotRun;
import io.voidbox.event.RunEvent.Header;
import io.voidbox.event.RunEvent.RunFailed;
import io.voidbox.event.RunEvent.StageCompleted;
import io.voidbox.event.RunEvent.StageFailed;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class RunEventJsonTest {
    private static final Instant T = Instant.parse("2026-11-27T10:00:00.123Z");
    private static final Header BOX = Header.box(T, "r1", "p", "b");
    private final RunEventJson json = new RunEventJson();

    private JsonNode wire(RunEvent e) throws Exception {
        return json.mapper().readTree(json.toJson(e));
    }

    private static Usage usage(boolean estimated, int denials) {
        return new Usage(
                new Usage.Tokens(1000, 20, 3, 4),
                0.0123,
                386,
                3,
                List.of("Bash"),
                "claude-sonnet-4-5",
                estimated,
                denials);
    }

    @Test
    void stageFailedCarriesTheKindAndItsDetailsFlatBesideTheUsage() throws Exception {
        JsonNode e = wire(new StageFailed(
                BOX,
                5000,
                usage(true, 0),
                "local",
                null,
                new Failure.AgentCrashed("claude crashed", 139, "SIGSEGV", List.of("Bun v1.4", "panic"))));

        assertThat(e.path("type").asText()).isEqualTo("stage.failed");
        assertThat(e.path("error_type").asText()).isEqualTo("agent_crashed");
        assertThat(e.path("error").asText()).isEqualTo("claude crashed");
        assertThat(e.path("exit_code").asInt()).isEqualTo(139);
        assertThat(e.path("signal").asText()).isEqualTo("SIGSEGV");
        assertThat(e.path("stderr_tail")).extracting(JsonNode::asText).containsExactly("Bun v1.4", "panic");
        assertThat(e.path("input_tokens").asLong()).isEqualTo(1000);
        assertThat(e.path("num_turns").asInt()).isEqualTo(386);
        assertThat(e.path("usage_estimated").asBoolean()).isTrue();
        assertThat(e.has("failure")).isFalse();
        assertThat(e.has("message")).isFalse();
    }

    @Test
    void apiErrorsCarryStatusAndRetryability() throws Exception {
        JsonNode withStatus = wire(
                new StageFailed(BOX, 1, Usage.NONE, "local", null, new Failure.ApiError("API Error: 500", 500, true)));
        JsonNode cut = wire(new StageFailed(
                BOX, 1, Usage.NONE, "local", null, new Failure.ApiError("Connection error", null, true)));

        assertThat(withStatus.path("error_type").asText()).isEqualTo("api_error");
        assertThat(withStatus.path("http_status").asInt()).isEqualTo(500);
        assertThat(withStatus.path("retryable").asBoolean()).isTrue();
        assertThat(cut.has("http_status")).as("no status arrived").isFalse();
        assertThat(Failure.ApiError.retryable(400)).isFalse();
        assertThat(Failure.ApiError.retryable(529)).isTrue();
    }

    @Test
    void runFailedKeepsItsMessageAndCarriesTheFirstStagesKind() throws Exception {
        JsonNode e = wire(new RunFailed(
                Header.run(T, "r1", "p"),
                9000,
                Usage.NONE,
                "stage b failed: Reached maximum number of turns (3)",
                new Failure.MaxTurns("Reached maximum number of turns (3)", 3)));

        assertThat(e.path("error").asText()).isEqualTo("stage b failed: Reached maximum number of turns (3)");
        assertThat(e.path("error_type").asText()).isEqualTo("max_turns");
        assertThat(e.path("max_turns").asInt()).isEqualTo(3);
    }

    @Test
    void agentResultSaysIsErrorAndTheKindOnlyWhenItFailed() throws Exception {
        JsonNode ok = wire(new AgentResult(BOX, "claude", "scripted", "s1", usage(false, 2), 10, 5, null));
        JsonNode failed = wire(new AgentResult(
                BOX, "claude", "scripted", "s1", usage(false, 0), 10, 5, new Failure.RateLimited("429", 429)));

        assertThat(ok.path("is_error").asBoolean()).isFalse();
        assertThat(ok.has("error_type")).isFalse();
        assertThat(ok.path("permission_denials").asInt()).isEqualTo(2);
        assertThat(failed.path("is_error").asBoolean()).isTrue();
        assertThat(failed.path("error_type").asText()).isEqualTo("rate_limited");
        assertThat(failed.path("http_status").asInt()).isEqualTo(429);
    }

    @Test
    void newAgentEventsUseSnakeCaseFields() throws Exception {
        assertThat(wire(new AgentRetry(BOX, 2, 10, null, 1172, "unknown")).toString())
                .contains("\"type\":\"agent.retry\"")
                .contains("\"attempt\":2", "\"max_retries\":10", "\"delay_ms\":1172", "\"reason\":\"unknown\"")
                .doesNotContain("http_status");
        assertThat(wire(new AgentPermissionDenied(BOX, "Bash", "toolu_1", "needs approval"))
                        .toString())
                .contains("\"type\":\"agent.permission_denied\"", "\"tool\":\"Bash\"", "\"tool_use_id\":\"toolu_1\"");
        assertThat(wire(new AgentToolNotRun(BOX, "Bash", "toolu_2", "the agent stopped: max_turns", null))
                        .toString())
                .contains("\"type\":\"agent.tool_not_run\"", "\"reason\":\"the agent stopped: max_turns\"");
        assertThat(wire(new AgentSubagentCompleted(BOX, "a62c", "toolu_3", "completed", 15, 0, 337))
                        .toString())
                .contains("\"task_id\":\"a62c\"", "\"total_tokens\":15", "\"tool_uses\":0", "\"duration_ms\":337");
        assertThat(wire(new StageCompleted(BOX, 1, usage(false, 1), "local", null))
                        .toString())
                .contains("\"permission_denials\":1");
    }

    @Test
    void everyAgentRecordAndNoOtherIsAnAgentEvent() {
        List<String> agentEvents = Arrays.stream(RunEvent.AgentEvent.class.getPermittedSubclasses())
                .map(Class::getSimpleName)
                .toList();
        List<String> otherEvents = Arrays.stream(RunEvent.class.getPermittedSubclasses())
                .filter(c -> c != RunEvent.AgentEvent.class)
                .map(Class::getSimpleName)
                .toList();
        assertThat(agentEvents).hasSize(9).allMatch(n -> n.startsWith("Agent"));
        assertThat(otherEvents).isNotEmpty().noneMatch(n -> n.startsWith("Agent"));
    }
}
