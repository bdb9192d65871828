package io.voidbox.sandbox.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.voidbox.Box;
import io.voidbox.Failure;
import io.voidbox.Pipeline;
import io.voidbox.PipelineResult;
import io.voidbox.SandboxOptions;
import io.voidbox.SandboxOptions.Backend;
import io.voidbox.StageResult;
import io.voidbox.VoidBox;
import io.voidbox.event.RunEvent;
import io.voidbox.event.RunEventJson;
import io.voidbox.internal.engine.BoxExecutor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PipelineEngineTest {

    private final RecordingListener events = new RecordingListener();

    private VoidBox runtime() {
        return ShellAgentRunner.localRuntime(events);
    }

    private static Box box(String name, String script) {
        return Box.named(name)
                .prompt(script)
                .sandbox(SandboxOptions.defaults().withBackend(Backend.LOCAL))
                .timeout(Duration.ofSeconds(60))
                .build();
    }

    @Test
    void sequentialStagesPassFileOutputOrResultTextToTheNextStage() {
        Box producer = Box.named("producer")
                .prompt("echo '{\"answer\": 42}' > out.json; echo ignored text")
                .outputFile("out.json")
                .sandbox(SandboxOptions.defaults().withBackend(Backend.LOCAL))
                .build();
        Box middle = box("middle", "cat input.json");
        Box last = box("last", "cat input.json");
        PipelineResult r;
        try (VoidBox vb = runtime()) {
            r = vb.run(Pipeline.named("seq", producer).pipe(middle).pipe(last), "");
        }
        assertThat(r.success()).isTrue();
        assertThat(r.stages()).extracting(StageResult::box).containsExactly("producer", "middle", "last");
        assertThat(r.stages().get(1).resultText()).isEqualTo("{\"answer\":42}");
        // middle had no output file: its result text travels on
        assertThat(r.finalOutput()).isEqualTo("{\"answer\":42}");
        assertThat(events.of(RunEvent.StageStarted.class))
                .extracting(RunEvent.StageStarted::stage)
                .containsExactly("producer", "middle", "last");
        assertThat(events.events().getFirst()).isInstanceOf(RunEvent.RunStarted.class);
        assertThat(events.events().getLast()).isInstanceOf(RunEvent.RunCompleted.class);
    }

    @Test
    void promptCarriesAnInputSummaryAndPointsAtTheFullFile() {
        String big = "x".repeat(BoxExecutor.PROMPT_INPUT_CHARS * 2);
        Box echo = box("echo", "wc -c < input.json");
        PipelineResult r;
        try (VoidBox vb = runtime()) {
            r = vb.run(Pipeline.named("p", echo), big);
        }
        assertThat(r.success()).isTrue();
        // the whole input (as a JSON string) is in the file, not only the summary
        assertThat(Long.parseLong(r.finalOutput().strip())).isEqualTo(big.length() + 2);
    }

    @Test
    void fanOutRunsInParallelAndJoinsOutputsInDeclarationOrder() {
        Box slow = box("slow", "sleep 2; echo '{\"b\":\"slow\"}'");
        Box fast = box("fast", "echo fast-text");
        Box mid = box("mid", "sleep 1; echo '[1,2]'");
        Box reduce = box("reduce", "cat input.json");
        long t0 = System.nanoTime();
        PipelineResult r;
        try (VoidBox vb = runtime()) {
            r = vb.run(
                    Pipeline.named("fan", box("start", "echo go"))
                            .fanOut(List.of(slow, fast, mid))
                            .pipe(reduce),
                    "");
        }
        assertThat(r.success()).isTrue();
        assertThat(r.finalOutput()).isEqualTo("[{\"b\":\"slow\"},\"fast-text\",[1,2]]");
        // all three branches started before the slowest one completed
        var started = events.of(RunEvent.StageStarted.class).stream()
                .filter(e -> e.stageIndex() == 1)
                .toList();
        var slowDone = events.of(RunEvent.StageCompleted.class).stream()
                .filter(e -> e.box().equals("slow"))
                .findFirst()
                .orElseThrow();
        assertThat(started).hasSize(3).allSatisfy(s -> assertThat(s.ts()).isBefore(slowDone.ts()));
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(20));
    }

    @Test
    void withMaxParallelOneAThreeWayFanOutRunsOneAtATimeAndReportsEachWait() {
        List<Box> branches =
                List.of(box("a", "sleep 1; echo a"), box("b", "sleep 1; echo b"), box("c", "sleep 1; echo c"));
        PipelineResult r;
        try (VoidBox vb = runtime()) {
            r = vb.run(
                    Pipeline.named("queued", box("start", "echo go"))
                            .fanOut(branches)
                            .maxParallel(1),
                    "");
        }
        assertThat(r.success()).isTrue();
        assertThat(r.finalOutput()).isEqualTo("[\"a\",\"b\",\"c\"]");
        var started = events.of(RunEvent.StageStarted.class).stream()
                .filter(e -> e.stageIndex() == 1)
                .sorted(Comparator.comparing(RunEvent.StageStarted::ts))
                .toList();
        var completed = events.of(RunEvent.StageCompleted.class);
        assertThat(started).hasSize(3);
        // one at a time: each branch starts only after the one before it completed
        for (int i = 1; i < 3; i++) {
            String previous = started.get(i - 1).box();
            var previousDone = completed.stream()
                    .filter(c -> c.box().equals(previous))
                    .findFirst()
                    .orElseThrow();
            assertThat(started.get(i).ts()).isAfterOrEqualTo(previousDone.ts());
        }
        // the waits are reported: the first did not wait, the others waited about one and two boxes
        assertThat(started.get(0).queuedMs()).isLessThan(500);
        assertThat(started.get(1).queuedMs()).isGreaterThanOrEqualTo(900);
        assertThat(started.get(2).queuedMs())
                .isGreaterThanOrEqualTo(started.get(1).queuedMs() + 900);
        assertThat(new RunEventJson().toJson(started.get(2)))
                .contains("\"queued_ms\":" + started.get(2).queuedMs());
        // the stage's own duration does not include its wait (the last one waited for two boxes like itself)
        String last = started.get(2).box();
        assertThat(r.stages().stream()
                        .filter(s -> s.box().equals(last))
                        .findFirst()
                        .orElseThrow()
                        .duration())
                .isLessThan(Duration.ofMillis(started.get(2).queuedMs()));
    }

    @Test
    void failingBranchStopsThePipelineAndKillsTheOtherBranches() throws Exception {
        Path marker = Files.createTempFile("voidbox-sleeper", ".pid");
        try {
            Box sleeper = box("sleeper", "echo $$ > " + marker + "; sleep 60; echo never");
            Box broken = box("broken", "sleep 1; echo boom >&2; exit 3");
            Box after = box("after", "echo should-not-run");
            PipelineResult r;
            long t0 = System.nanoTime();
            try (VoidBox vb = runtime()) {
                r = vb.run(
                        Pipeline.named("fail", box("first", "true"))
                                .fanOut(List.of(sleeper, broken))
                                .pipe(after),
                        "");
            }
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(30));
            assertThat(r.success()).isFalse();
            assertThat(r.error()).get().asString().contains("broken").contains("exited with code 3");
            assertThat(r.stages()).extracting(StageResult::box).containsExactly("first", "sleeper", "broken");
            assertThat(r.stages().get(1).error()).get().asString().contains("cancelled");
            assertThat(r.stages().get(1).failure()).get().isInstanceOf(Failure.Cancelled.class);
            assertThat(r.failure())
                    .as("the branch that failed first, not the one it cancelled")
                    .get()
                    .isInstanceOf(Failure.AgentCrashed.class);
            assertThat(events.of(RunEvent.StageFailed.class))
                    .extracting(f -> f.box() + ":" + f.failure().type())
                    .containsExactlyInAnyOrder("broken:agent_crashed", "sleeper:cancelled");
            long pid = Long.parseLong(Files.readString(marker).strip());
            assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive)).isIn(Optional.empty(), Optional.of(false));
            assertThat(events.of(RunEvent.StageStarted.class))
                    .extracting(RunEvent.StageStarted::box)
                    .doesNotContain("after");
            assertThat(events.events().getLast()).isInstanceOf(RunEvent.RunFailed.class);
            assertThat(events.of(RunEvent.BoxStopped.class)).hasSize(3);
        } finally {
            Files.deleteIfExists(marker);
        }
    }

    @Test
    void stageTimeoutKillsTheAgentsWholeProcessTree() throws Exception {
        Path marker = Files.createTempFile("voidbox-tree", ".pid");
        try {
            Box hang = Box.named("hang")
                    .prompt("sh -c 'echo $$ > " + marker + "; sleep 60' & sleep 60; wait")
                    .sandbox(SandboxOptions.defaults().withBackend(Backend.LOCAL))
                    .timeout(Duration.ofSeconds(2))
                    .build();
            PipelineResult r;
            try (VoidBox vb = runtime()) {
                r = vb.run(Pipeline.named("t", hang), "");
            }
            assertThat(r.success()).isFalse();
            assertThat(r.stages().getFirst().error()).get().asString().contains("timed out after 2 s");
            long grandchild = Long.parseLong(Files.readString(marker).strip());
            assertThat(ProcessHandle.of(grandchild).map(ProcessHandle::isAlive))
                    .isIn(Optional.empty(), Optional.of(false));
        } finally {
            Files.deleteIfExists(marker);
        }
    }

    @Test
    void autoBackendNeverFallsBackToLocalAndSaysWhatToInstall() {
        Box a = Box.named("a").prompt("true").build();
        PipelineResult r;
        try (VoidBox vb = runtime()) {
            r = vb.run(Pipeline.named("auto", a), "");
        }
        assertThat(r.success()).isFalse();
        assertThat(r.error())
                .get()
                .asString()
                .contains("backend auto: no isolating backend can run box a")
                .contains("bubblewrap")
                .contains("QEMU");
    }

    @Test
    void explicitLocalWarnsOncePerRunAndExplicitVmIsAnError() {
        Box a = box("a", "true");
        Box b = box("b", "true");
        Box vm = Box.named("c")
                .prompt("true")
                .sandbox(SandboxOptions.defaults().withBackend(Backend.VM))
                .build();
        PipelineResult r;
        try (VoidBox vb = runtime()) {
            r = vb.run(Pipeline.named("explicit", a).pipe(b).pipe(vm), "");
        }
        assertThat(r.stages()).extracting(StageResult::backend).containsExactly("local", "local", "?");
        var warnings = events.of(RunEvent.Log.class).stream()
                .filter(l -> l.line().startsWith("WARNING: backend local does not isolate"))
                .toList();
        assertThat(warnings).hasSize(1);
        assertThat(r.error()).get().asString().contains("backend vm requested for box c");
        assertThat(r.failure()).get().isInstanceOf(Failure.SandboxError.class);
        assertThat(r.failure().get().type()).isEqualTo("sandbox_error");
    }

    @Test
    void localSandboxFeedsProcessTelemetryAndCleansUpItsWorkspace() {
        Box busy = Box.named("busy")
                .prompt("i=0; while [ $i -lt 300000 ]; do i=$((i+1)); done; pwd")
                .sandbox(SandboxOptions.defaults().withBackend(Backend.LOCAL).withTelemetryIntervalMs(100))
                .build();
        PipelineResult r;
        try (VoidBox vb = runtime()) {
            r = vb.run(Pipeline.named("tele", busy), "");
        }
        assertThat(r.success()).isTrue();
        var samples = events.of(RunEvent.GuestTelemetry.class);
        assertThat(samples).isNotEmpty().allSatisfy(s -> {
            assertThat(s.box()).isEqualTo("busy");
            assertThat(s.stage()).isEqualTo("busy");
            assertThat(s.memTotalBytes()).isPositive();
        });
        assertThat(samples).anySatisfy(s -> assertThat(s.memUsedBytes()).isPositive());
        assertThat(Path.of(r.finalOutput())).doesNotExist();
    }

    @Test
    void mountsAreCopiedInAndReadWriteMountsCopiedBack(@TempDir Path tmp) throws Exception {
        Path ro = Files.createDirectories(tmp.resolve("ro"));
        Path rw = Files.createDirectories(tmp.resolve("rw"));
        Files.writeString(ro.resolve("data.txt"), "from-host");
        var mounts = List.of(
                new SandboxOptions.Mount(ro, "/workspace/in", true),
                new SandboxOptions.Mount(rw, "/workspace/out", false));
        // the local sandbox's workspace stands for /workspace: mount paths are given as the agent sees them
        Box box = Box.named("mounter")
                .prompt("cat in/data.txt; mkdir -p out/sub; echo result > out/sub/r.txt; echo changed > in/data.txt")
                .sandbox(new SandboxOptions(
                        Backend.LOCAL, SandboxOptions.Accel.AUTO, 512, 1, true, Map.of(), mounts, 1000))
                .build();
        PipelineResult r;
        try (VoidBox vb = runtime()) {
            r = vb.run(Pipeline.named("m", box), "");
        }
        assertThat(r.error()).isEmpty();
        assertThat(r.finalOutput()).isEqualTo("from-host");
        assertThat(Files.readString(rw.resolve("sub/r.txt"))).isEqualTo("result\n");
        assertThat(Files.readString(ro.resolve("data.txt")))
                .as("ro mounts never change the host")
                .isEqualTo("from-host");
    }
}
