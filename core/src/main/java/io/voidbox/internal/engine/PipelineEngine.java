package io.voidbox.internal.engine;

import io.voidbox.Box;
import io.voidbox.Failure;
import io.voidbox.Pipeline;
import io.voidbox.PipelineResult;
import io.voidbox.Stage;
import io.voidbox.StageResult;
import io.voidbox.Usage;
import io.voidbox.event.RunEvent.RunCompleted;
import io.voidbox.event.RunEvent.RunFailed;
import io.voidbox.event.RunEvent.RunStarted;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorCompletionService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Runs the stages of one pipeline in order. Sequential stages pass their output on; fan-out
 * boxes run on virtual threads, admitted by the run's {@link BoxScheduler} (queued when the host has
 * no room: {@code max_parallel}, cores and memory for VMs), and the next stage receives their
 * outputs as a JSON array in declaration order. The first failure stops the run and cancels the
 * branches still running or queued.
 */
public final class PipelineEngine {
    private final RunScope run;
    private final BoxExecutor boxes;
    private final OptionalInt maxParallel;

    public PipelineEngine(RunScope run, BoxExecutor boxes) {
        this(run, boxes, OptionalInt.empty());
    }

    /** @param maxParallel boxes at once, overriding the pipeline's {@code max_parallel} (e.g. {@code --max-parallel}) */
    public PipelineEngine(RunScope run, BoxExecutor boxes, OptionalInt maxParallel) {
        this.run = run;
        this.boxes = boxes;
        this.maxParallel = maxParallel;
    }

    public PipelineResult run(Pipeline pipeline, String input) {
        long t0 = System.nanoTime();
        run.publish(new RunStarted(
                run.header(), pipeline.boxes().stream().map(Box::name).toList()));
        List<StageResult> results = new ArrayList<>();
        String carry = input == null ? "" : input;
        Optional<String> error = Optional.empty();
        Failure cause = null;
        BoxScheduler scheduler = new BoxScheduler(
                BoxScheduler.Limits.host(maxParallel.isPresent() ? maxParallel : pipeline.maxParallel()));
        int index = 0;
        for (Stage stage : pipeline.stages()) {
            List<StageResult> stageResults = switch (stage) {
                case Stage.Single s -> List.of(boxes.run(s.box(), index, carry));
                case Stage.FanOut f -> fanOut(f, index, carry, scheduler);
            };
            results.addAll(stageResults);
            // the branch that failed first is the cause; the branches it cancelled are not
            Optional<StageResult> failed = stageResults.stream()
                    .filter(r -> !r.success())
                    .min(Comparator.comparing(PipelineEngine::wasCancelled));
            if (failed.isPresent()) {
                error = Optional.of("stage " + failed.get().box() + " failed: "
                        + failed.get().error().orElse("unknown error"));
                cause = failed.get().failure().orElseThrow();
                break;
            }
            carry = stage instanceof Stage.FanOut
                    ? Outputs.join(stageResults)
                    : stageResults.getFirst().output();
            index++;
        }
        Duration took = Duration.ofNanos(System.nanoTime() - t0);
        PipelineResult result =
                new PipelineResult(run.runId(), run.pipeline(), results, error.isEmpty() ? carry : "", took, error);
        Usage total = result.usage();
        if (result.success()) run.publish(new RunCompleted(run.header(), took.toMillis(), total));
        else run.publish(new RunFailed(run.header(), took.toMillis(), total, error.get(), cause));
        return result;
    }

    static boolean wasCancelled(StageResult r) {
        return r.failure().filter(Failure.Cancelled.class::isInstance).isPresent();
    }

    private List<StageResult> fanOut(Stage.FanOut stage, int index, String input, BoxScheduler scheduler) {
        List<Box> list = stage.boxes();
        StageResult[] done = new StageResult[list.size()];
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            var completion = new ExecutorCompletionService<Integer>(pool);
            List<Future<Integer>> futures = new ArrayList<>();
            for (int i = 0; i < list.size(); i++) {
                int slot = i;
                futures.add(completion.submit(() -> {
                    Box box = list.get(slot);
                    // queued (first come, first served) until the host has room for it: see BoxScheduler
                    try (BoxScheduler.Permit permit = scheduler.admit(boxes.demand(box))) {
                        done[slot] = boxes.run(box, index, input, permit.waited());
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt(); // cancelled while queued: reported as cancelled below
                    }
                    return slot;
                }));
            }
            for (int n = 0; n < list.size(); n++) {
                int slot = completion.take().get();
                if (done[slot] != null && !done[slot].success()) {
                    // cancel the other branches: interruption kills their agents and closes their sandboxes
                    futures.forEach(f -> f.cancel(true));
                    break;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException e) {
            throw new IllegalStateException("fan-out branch crashed", e.getCause());
        }
        List<StageResult> out = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) out.add(done[i] != null ? done[i] : boxes.cancelled(list.get(i), index));
        return out;
    }
}
