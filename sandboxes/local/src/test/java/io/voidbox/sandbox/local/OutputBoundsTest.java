package io.voidbox.sandbox.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.voidbox.Box;
import io.voidbox.Failure;
import io.voidbox.Pipeline;
import io.voidbox.PipelineResult;
import io.voidbox.SandboxOptions;
import io.voidbox.SandboxOptions.Backend;
import io.voidbox.VoidBox;
import io.voidbox.event.RunEvent;
import io.voidbox.spi.Sandbox;
import io.voidbox.spi.support.OutputBudget;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** A box cannot exhaust the host with its output: lines and output files are bounded on the local backend too. */
class OutputBoundsTest {
    private final RecordingListener events = new RecordingListener();

    private VoidBox runtime() {
        return ShellAgentRunner.localRuntime(events);
    }

    private static Box box(String name, String script) {
        return Box.named(name)
                .prompt(script)
                .sandbox(SandboxOptions.defaults().withBackend(Backend.LOCAL))
                .timeout(Duration.ofSeconds(120))
                .build();
    }

    @Test
    void aBoxFloodingStderrGetsBoundedEventsAndOneWarningWithTheCount() {
        // 40 MB of 100-character lines: more than the total budget, however slowly the host prints them
        Box flood = box("flood", "head -c 40000000 /dev/zero | tr '\\0' x | fold -w 100 >&2");
        PipelineResult r;
        try (VoidBox vb = runtime()) {
            r = vb.run(Pipeline.named("flood", flood), "");
        }
        assertThat(r.success()).as("%s", r.error()).isTrue();
        long loggedChars = events.of(RunEvent.Log.class).stream()
                .filter(l -> l.stream().equals("stderr"))
                .mapToLong(l -> l.line().length() + OutputBudget.LINE_OVERHEAD_BYTES)
                .sum();
        assertThat(loggedChars)
                .as("at most the total budget reached the events")
                .isPositive()
                .isLessThanOrEqualTo(OutputBudget.DEFAULT_TOTAL_BYTES);
        assertThat(events.of(RunEvent.Log.class))
                .filteredOn(l -> l.line().startsWith("WARNING:") && l.line().contains("over the box's output budget"))
                .singleElement()
                .satisfies(l -> assertThat(l.line()).containsPattern("WARNING: \\d+ output lines"));
    }

    @Test
    void anOutputFileLargerThanABoxMayHandOnFailsItsStageAsAResourceLimit() {
        Box big = Box.named("big")
                .prompt("truncate -s 3G out.json")
                .outputFile("out.json")
                .sandbox(SandboxOptions.defaults().withBackend(Backend.LOCAL))
                .build();
        PipelineResult r;
        try (VoidBox vb = runtime()) {
            r = vb.run(Pipeline.named("big", big), "");
        }
        assertThat(r.stages().getFirst().failure()).hasValueSatisfying(f -> {
            assertThat(f)
                    .isInstanceOfSatisfying(
                            Failure.ResourceLimit.class,
                            l -> assertThat(l.resource()).isEqualTo("output"));
            assertThat(f.message()).contains("out.json has 3221225472 bytes", String.valueOf(Sandbox.MAX_READ_BYTES));
        });
        assertThat(events.of(RunEvent.RunFailed.class)).singleElement();
    }
}
