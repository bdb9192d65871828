package io.voidbox.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.voidbox.Failure;
import io.voidbox.PipelineResult;
import io.voidbox.StageResult;
import io.voidbox.Usage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class SummaryTableTest {
    private static StageResult stage(String box, Usage usage, Failure failure) {
        return new StageResult(
                box,
                0,
                "",
                Optional.empty(),
                usage,
                Duration.ofMillis(1500),
                "local",
                Optional.empty(),
                Optional.ofNullable(failure));
    }

    private static String print(PipelineResult r) {
        var bytes = new ByteArrayOutputStream();
        SummaryTable.print(r, new PrintStream(bytes, true, StandardCharsets.UTF_8));
        return bytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    void failedStageShowsItsFailureKindAndEstimatedFiguresAreMarked() {
        Usage estimated = new Usage(new Usage.Tokens(4000, 12, 0, 0), 0.0122, 3, 1, List.of("Bash"), "m", true, 0);
        var result = new PipelineResult(
                "r1",
                "p",
                List.of(stage("slow", estimated, new Failure.Timeout("agent timed out after 5 s", 5000))),
                "",
                Duration.ofSeconds(6),
                Optional.of("stage slow failed: agent timed out after 5 s"));

        String out = print(result);

        assertThat(out).containsPattern("slow\\s+timeout\\s+local\\s+1.5s\\s+0.0s\\s+~4000\\s+~12\\s+~0.0122\\s+1");
        assertThat(out).containsPattern("TOTAL\\s+timeout");
        assertThat(out).contains("warning: slow: tokens and cost (~) are estimated");
        assertThat(out).contains("error: stage slow failed: agent timed out after 5 s");
    }

    @Test
    void refusedToolCallsOfACompletedStageAreAWarning() {
        Usage denied = new Usage(new Usage.Tokens(10, 5, 0, 0), 0.001, 2, 1, List.of("Bash"), "m", false, 2);
        var result = new PipelineResult(
                "r1", "p", List.of(stage("b", denied, null)), "done", Duration.ofSeconds(2), Optional.empty());

        String out = print(result);

        assertThat(out).containsPattern("b\\s+ok\\s+local");
        assertThat(out).contains("warning: b: 2 tool calls were refused by the agent's permission checks");
        assertThat(out).doesNotContain("error:");
    }
}
