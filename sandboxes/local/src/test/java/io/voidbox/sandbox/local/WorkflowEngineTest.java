package io.voidbox.sandbox.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.voidbox.Failure;
import io.voidbox.PipelineResult;
import io.voidbox.SandboxOptions;
import io.voidbox.SandboxOptions.Backend;
import io.voidbox.StageResult;
import io.voidbox.VoidBox;
import io.voidbox.Workflow;
import io.voidbox.Workflow.Step;
import io.voidbox.event.RunEvent;
import io.voidbox.event.RunEvent.RunKind;
import io.voidbox.spi.BoxScope;
import io.voidbox.spi.ExecSpec;
import io.voidbox.spi.OutputSink;
import io.voidbox.spi.Sandbox;
import io.voidbox.spi.SandboxRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Workflows on the local sandbox with real processes: stdin piping, parallel steps, failure rules, events. */
class WorkflowEngineTest {
    private final RecordingListener events = new RecordingListener();

    private VoidBox runtime() {
        return ShellAgentRunner.localRuntime(events);
    }

    private static Workflow workflow(String name, Step... steps) {
        return Workflow.of(name, List.of(steps))
                .withSandbox(SandboxOptions.defaults().withBackend(Backend.LOCAL));
    }

    private static Step sh(String name, String script) {
        return new Step(name, "sh", List.of("-c", script), Optional.empty(), List.of(), Duration.ofSeconds(30));
    }

    @Test
    void aStepReadsTheStdoutOfTheStepItNamesAndTheOutputStepIsTheResult() {
        Workflow wf = workflow(
                        "quick",
                        Step.of("fetch", "echo", "hello from workflow"),
                        Step.of("transform", "tr", "a-z", "A-Z").after("fetch").stdinFrom("fetch"),
                        Step.of("count", "wc", "-c").after("fetch"))
                .withOutputStep("transform");
        PipelineResult r;
        try (VoidBox vb = runtime()) {
            r = vb.run(wf, "");
        }
        assertThat(r.success()).as("%s", r.error()).isTrue();
        assertThat(r.finalOutput()).isEqualTo("HELLO FROM WORKFLOW");
        // without stdin_from a step reads its first dependency's output (VoidBox's implicit pipe)
        assertThat(r.stages().get(2).resultText().strip()).isEqualTo("20");
        assertThat(r.stages()).extracting(StageResult::box).containsExactly("fetch", "transform", "count");
        assertThat(r.stages()).extracting(StageResult::stageIndex).containsExactly(0, 1, 1);
        assertThat(r.stages()).allSatisfy(s -> assertThat(s.backend()).isEqualTo("local"));

        RunEvent.RunStarted started = events.of(RunEvent.RunStarted.class).getFirst();
        assertThat(started.kind()).isEqualTo(RunKind.WORKFLOW);
        assertThat(started.stages()).containsExactly("fetch", "transform", "count");
        assertThat(events.of(RunEvent.StageCompleted.class))
                .extracting(RunEvent::box)
                .containsExactlyInAnyOrder("fetch", "transform", "count");
        // the one box they share reports its lifecycle under the workflow's name
        assertThat(events.of(RunEvent.BoxBooting.class))
                .extracting(RunEvent::box)
                .containsExactly("quick");
        assertThat(events.of(RunEvent.BoxStopped.class))
                .extracting(RunEvent::box)
                .containsExactly("quick");
        assertThat(events.of(RunEvent.Log.class)).anySatisfy(l -> {
            assertThat(l.vm()).isEqualTo("transform");
            assertThat(l.stream()).isEqualTo("stdout");
            assertThat(l.line()).isEqualTo("HELLO FROM WORKFLOW");
        });
        assertThat(events.events().getLast()).isInstanceOf(RunEvent.RunCompleted.class);
    }

    @Test
    void independentStepsRunAtTheSameTimeAndShareOneWorkspace() {
        // each of a and b waits for the other's marker: they only finish if they run concurrently
        Workflow wf = workflow(
                "dag",
                sh("a", "touch a.mark; while [ ! -f b.mark ]; do sleep 0.05; done; echo A"),
                sh("b", "touch b.mark; while [ ! -f a.mark ]; do sleep 0.05; done; echo B"),
                sh("join", "cat; ls *.mark | tr '\\n' ' '").after("a", "b"));
        PipelineResult r;
        try (VoidBox vb = runtime()) {
            r = vb.run(wf, "");
        }
        assertThat(r.success()).as("%s", r.error()).isTrue();
        assertThat(r.finalOutput()).isEqualTo("A\na.mark b.mark ");
        assertThat(r.stages()).extracting(StageResult::stageIndex).containsExactly(0, 0, 1);
        List<String> order = new ArrayList<>();
        for (RunEvent e : events.events())
            if (e instanceof RunEvent.StageStarted || e instanceof RunEvent.StageCompleted)
                order.add(e.type() + " " + e.box());
        // join starts only after both a and b completed
        assertThat(order.indexOf("stage.started join"))
                .isGreaterThan(order.indexOf("stage.completed a"))
                .isGreaterThan(order.indexOf("stage.completed b"));
    }

    @Test
    void theFirstFailedStepCancelsTheRunningOnesAndNothingAfterItStarts() {
        Workflow wf = workflow(
                "failing",
                sh("slow", "sleep 30; echo never"),
                sh("broken", "echo 'bad things' >&2; exit 3"),
                sh("after", "echo never").after("broken"));
        long t0 = System.nanoTime();
        PipelineResult r;
        try (VoidBox vb = runtime()) {
            r = vb.run(wf, "");
        }
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(20));
        assertThat(r.success()).isFalse();
        assertThat(r.error())
                .hasValueSatisfying(e -> assertThat(e)
                        .startsWith("step broken failed: sh exited with code 3")
                        .contains("bad things"));
        assertThat(r.stages()).extracting(StageResult::box).containsExactly("slow", "broken");
        StageResult broken = r.stages().get(1);
        assertThat(broken.failure()).hasValueSatisfying(f -> {
            assertThat(f).isInstanceOf(Failure.ExitCode.class);
            assertThat(f.type()).isEqualTo("exit_code");
        });
        assertThat(r.stages().getFirst().failure()).hasValueSatisfying(f -> {
            assertThat(f).isInstanceOf(Failure.Cancelled.class);
            assertThat(f.message()).isEqualTo("cancelled because step broken failed");
        });
        assertThat(events.of(RunEvent.StageStarted.class))
                .extracting(RunEvent::box)
                .doesNotContain("after");
        assertThat(events.of(RunEvent.RunFailed.class))
                .singleElement()
                .satisfies(f -> assertThat(f.error()).startsWith("step broken failed"));
    }

    @Test
    void aStepPastItsTimeoutFailsAsATimeout() {
        Workflow wf = workflow("slow", sh("sleepy", "sleep 30").withTimeout(Duration.ofMillis(500)));
        PipelineResult r;
        try (VoidBox vb = runtime()) {
            r = vb.run(wf, "");
        }
        assertThat(r.stages().getFirst().failure())
                .hasValueSatisfying(f -> assertThat(f.type()).isEqualTo("timeout"));
    }

    @Test
    void theRunInputIsTheStdinOfStepsWithoutInputs() {
        PipelineResult r;
        try (VoidBox vb = runtime()) {
            r = vb.run(workflow("input", Step.of("rev", "rev")), "abc\n");
        }
        assertThat(r.finalOutput()).isEqualTo("cba");
    }

    @Test
    void localExecFeedsStdinLargerThanAPipeBuffer() throws Exception {
        byte[] big = "0123456789abcdef\n".repeat(64 * 1024).getBytes(StandardCharsets.UTF_8); // 1 MiB
        List<String> out = new ArrayList<>();
        try (Sandbox sb = new LocalSandboxProvider(() -> Path.of("/bin/false"))
                .start(new SandboxRequest(
                        new BoxScope("test", "p", "stdin", e -> {}), SandboxOptions.defaults(), b -> {}))) {
            var r = sb.exec(
                    new ExecSpec(List.of("wc", "-c"), Map.of(), null, Duration.ofSeconds(30), big), new OutputSink() {
                        @Override
                        public void stdout(String line) {
                            out.add(line);
                        }

                        @Override
                        public void stderr(String line) {}
                    });
            assertThat(r.exitCode()).isZero();
        }
        assertThat(out).singleElement().satisfies(l -> assertThat(l.strip()).isEqualTo(String.valueOf(big.length)));
    }
}
