package io.voidbox.internal.engine;

import io.voidbox.Failure;
import io.voidbox.PipelineResult;
import io.voidbox.StageResult;
import io.voidbox.Usage;
import io.voidbox.Workflow;
import io.voidbox.Workflow.Step;
import io.voidbox.event.RunEvent.RunCompleted;
import io.voidbox.event.RunEvent.RunFailed;
import io.voidbox.event.RunEvent.RunKind;
import io.voidbox.event.RunEvent.RunStarted;
import io.voidbox.internal.telemetry.TelemetryAggregator;
import io.voidbox.spi.BoxScope;
import io.voidbox.spi.ExecResult;
import io.voidbox.spi.ExecSpec;
import io.voidbox.spi.OutputSink;
import io.voidbox.spi.Sandbox;
import io.voidbox.spi.SandboxException;
import io.voidbox.spi.SandboxProvider;
import io.voidbox.spi.SandboxRequest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletionService;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorCompletionService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a {@link Workflow}: one sandbox for the whole run (chosen like a pipeline box's), then the
 * steps as a graph, each step on its own virtual thread once its inputs have succeeded, at most
 * {@link #MAX_PARALLEL_STEPS} at a time. A step's stdout is kept and fed to the stdin of the
 * steps that read it. The first failed step stops the run: steps still running are interrupted
 * (their process trees killed) and no new step starts.
 *
 * <p>Events: {@code run.started} (kind {@code workflow}, the steps as its stages), per step the
 * stage events with the step as stage and box (its output lines as {@code [vm:STEP]} logs), the
 * shared sandbox's lifecycle under the workflow's name, then {@code run.completed} or
 * {@code run.failed}.
 *
 * @param run       the run: its events and the scopes of its steps
 * @param backends  chooses the sandbox the workflow runs in
 * @param telemetry receives the sandbox's telemetry
 */
public record WorkflowEngine(RunScope run, BackendSelector backends, TelemetryAggregator telemetry) {
    /** At most this many steps run at the same time. */
    public static final int MAX_PARALLEL_STEPS = 8;
    /** A step's stdout is kept up to this size (it is another step's stdin or the workflow's output). */
    public static final int MAX_STEP_OUTPUT_BYTES = 16 << 20;

    private static final int STDERR_TAIL_LINES = 5;
    private static final Logger LOG = LoggerFactory.getLogger(WorkflowEngine.class);

    public PipelineResult run(Workflow workflow, String input) {
        long t0 = System.nanoTime();
        run.publish(new RunStarted(
                run.header(), workflow.steps().stream().map(Step::name).toList(), RunKind.WORKFLOW));
        LOG.debug(
                "workflow {}: {} steps in {} levels, at most {} at a time",
                workflow.name(),
                workflow.steps().size(),
                workflow.levels().values().stream().distinct().count(),
                MAX_PARALLEL_STEPS);
        BoxScope box = run.scopeOf(workflow.name());
        var feed = telemetry.register(box.header(), "2", workflow.sandbox().telemetryIntervalMs());
        List<StageResult> results = List.of();
        Optional<String> error;
        Failure cause = null;
        try {
            SandboxProvider provider =
                    backends.select(workflow.name(), workflow.sandbox().backend(), box::warning);
            try (Sandbox sandbox = provider.start(new SandboxRequest(box, workflow.sandbox(), feed))) {
                if (!sandbox.mountsLive()) Mounts.copyIn(workflow.sandbox().mounts(), sandbox);
                Steps steps = new Steps(workflow, sandbox, input == null ? "" : input);
                results = steps.run();
                error = steps.error();
                cause = results.stream()
                        .filter(r -> !r.success())
                        .min(Comparator.comparing(PipelineEngine::wasCancelled))
                        .flatMap(StageResult::failure)
                        .orElse(null);
                try {
                    if (!sandbox.mountsLive()) Mounts.copyOut(workflow.sandbox().mounts(), sandbox);
                } catch (IOException e) {
                    if (error.isEmpty()) throw e;
                    box.warning("mounts not copied out: " + e.getMessage()); // the failed step stays the cause
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            error = Optional.of("workflow " + workflow.name() + " was interrupted");
            cause = new Failure.Cancelled(error.get());
        } catch (SandboxException e) {
            error = Optional.of("the box of workflow " + workflow.name() + " did not start: " + e.getMessage());
            cause = new Failure.SandboxError(error.get());
            box.warning(error.get());
        } catch (IOException | RuntimeException e) {
            cause = Failure.Internal.of(e);
            error = Optional.of("workflow " + workflow.name() + " failed: " + cause.message());
            box.warning(error.get());
        } finally {
            telemetry.unregister(workflow.name());
        }
        String output = error.isEmpty() ? finalOutput(workflow, results) : "";
        Duration took = Duration.ofNanos(System.nanoTime() - t0);
        PipelineResult result = new PipelineResult(run.runId(), run.pipeline(), results, output, took, error);
        if (result.success()) run.publish(new RunCompleted(run.header(), took.toMillis(), Usage.NONE));
        else
            run.publish(new RunFailed(
                    run.header(),
                    took.toMillis(),
                    Usage.NONE,
                    error.get(),
                    cause != null ? cause : new Failure.Internal("unknown", error.get())));
        return result;
    }

    /** The output step's stdout without its final newline. */
    private static String finalOutput(Workflow workflow, List<StageResult> results) {
        String out = results.stream()
                .filter(r -> r.box().equals(workflow.finalStep()))
                .map(StageResult::resultText)
                .findFirst()
                .orElse("");
        return out.endsWith("\n") ? out.substring(0, out.length() - 1) : out;
    }

    /** The steps of one run in their sandbox: what ran, what it printed, and the first failure. */
    private final class Steps {
        private final Workflow workflow;
        private final Sandbox sandbox;
        private final String input;
        private final Map<String, Integer> levels;
        private final Map<String, StageResult> results = new ConcurrentHashMap<>();
        private volatile String cancelReason;
        private String failed;

        Steps(Workflow workflow, Sandbox sandbox, String input) {
            this.workflow = workflow;
            this.sandbox = sandbox;
            this.input = input;
            this.levels = workflow.levels();
        }

        /** Runs the graph; returns the results of the steps that ran, in declaration order. */
        List<StageResult> run() {
            Set<String> started = new HashSet<>();
            Map<String, Future<String>> running = new HashMap<>();
            try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
                CompletionService<String> done = new ExecutorCompletionService<>(pool);
                try {
                    while (true) {
                        for (Step step : workflow.steps()) {
                            if (running.size() >= MAX_PARALLEL_STEPS) break;
                            if (started.contains(step.name()) || !inputsSucceeded(step)) continue;
                            started.add(step.name());
                            running.put(step.name(), done.submit(() -> {
                                results.put(step.name(), runStep(step));
                                return step.name();
                            }));
                        }
                        if (running.isEmpty()) break;
                        String name = done.take().get();
                        running.remove(name);
                        if (!results.get(name).success()) {
                            failed = name;
                            cancelReason = "cancelled because step " + name + " failed";
                            // interruption kills their process trees; the pool's close waits for them
                            running.values().forEach(f -> f.cancel(true));
                            break;
                        }
                    }
                } catch (InterruptedException e) {
                    cancelReason = "cancelled because the run was interrupted";
                    running.values().forEach(f -> f.cancel(true));
                    Thread.currentThread().interrupt();
                } catch (ExecutionException e) {
                    throw new IllegalStateException("workflow step crashed", e.getCause());
                }
            }
            List<StageResult> ordered = new ArrayList<>();
            for (Step step : workflow.steps()) {
                StageResult r = results.get(step.name());
                if (r != null) ordered.add(r);
            }
            return ordered;
        }

        Optional<String> error() {
            if (failed != null)
                return Optional.of("step " + failed + " failed: "
                        + results.get(failed).error().orElse("unknown error"));
            if (cancelReason != null) return Optional.of(cancelReason);
            return Optional.empty();
        }

        private boolean inputsSucceeded(Step step) {
            for (String in : step.inputs()) {
                StageResult r = results.get(in);
                if (r == null || !r.success()) return false;
            }
            return true;
        }

        /** The step's stdin: its source step's stdout, or the run's input for a step without inputs. */
        private byte[] stdinOf(Step step) {
            Optional<String> source = step.stdinSource();
            String text = source.isPresent() ? results.get(source.get()).resultText() : input;
            return text.getBytes(StandardCharsets.UTF_8);
        }

        private StageResult runStep(Step step) {
            int level = levels.get(step.name());
            StageAttempt attempt = new StageAttempt(run.openBox(step.name(), level), level, "step");
            BoxScope scope = attempt.scope;
            try {
                attempt.backend = sandbox.environment().backend();
                attempt.accel = sandbox.environment().accel();
                byte[] stdin = stdinOf(step);
                scope.line(
                        "runtime",
                        "run " + String.join(" ", step.argv())
                                + (stdin.length == 0
                                        ? ""
                                        : " (stdin: " + stdin.length + " bytes"
                                                + step.stdinSource()
                                                        .map(s -> " from step " + s)
                                                        .orElse(" of the run's input")
                                                + ")"));
                Capture capture = new Capture(scope);
                ExecResult r = sandbox.exec(
                        new ExecSpec(step.argv(), scope.traceEnvironment(), null, step.timeout(), stdin), capture);
                if (r.timedOut())
                    return attempt.failed(
                            "",
                            Usage.NONE,
                            new Failure.Timeout(
                                    "step " + step.name() + " timed out after "
                                            + step.timeout().toSeconds() + " s",
                                    step.timeout().toMillis()));
                if (capture.overflow)
                    return attempt.failed(
                            "",
                            Usage.NONE,
                            new Failure.ResourceLimit(
                                    "step " + step.name() + " wrote more than " + MAX_STEP_OUTPUT_BYTES
                                            + " bytes to stdout",
                                    "output",
                                    r.exitCode()));
                if (r.exitCode() != 0)
                    return attempt.failed(
                            "",
                            Usage.NONE,
                            new Failure.ExitCode(
                                    step.program() + " exited with code " + r.exitCode() + capture.lastStderr(),
                                    r.exitCode(),
                                    capture.stderrTail()));
                return attempt.completed(capture.text(), Optional.empty(), Usage.NONE);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                String why = cancelReason;
                return attempt.failed(
                        "",
                        Usage.NONE,
                        new Failure.Cancelled(why != null ? why : "cancelled: the run was interrupted"));
            } catch (IOException e) {
                return attempt.failed("", Usage.NONE, new Failure.SandboxError(e.getMessage()));
            } catch (RuntimeException e) {
                return attempt.failed("", Usage.NONE, Failure.Internal.of(e));
            }
        }
    }

    /** A step's output: stdout kept (bounded) and logged, stderr logged with its last lines kept. */
    private static final class Capture implements OutputSink {
        private final BoxScope scope;
        private final StringBuilder stdout = new StringBuilder();
        private final Deque<String> stderr = new ArrayDeque<>();
        private long bytes;
        volatile boolean overflow;

        Capture(BoxScope scope) {
            this.scope = scope;
        }

        @Override
        public void stdout(String line) {
            scope.line("stdout", line);
            synchronized (this) {
                bytes += line.getBytes(StandardCharsets.UTF_8).length + 1L;
                if (bytes > MAX_STEP_OUTPUT_BYTES) overflow = true;
                else stdout.append(line).append('\n');
            }
        }

        @Override
        public void stderr(String line) {
            scope.line("stderr", line);
            synchronized (this) {
                stderr.addLast(line);
                if (stderr.size() > STDERR_TAIL_LINES) stderr.removeFirst();
            }
        }

        synchronized String text() {
            return stdout.toString();
        }

        synchronized List<String> stderrTail() {
            return List.copyOf(stderr);
        }

        synchronized String lastStderr() {
            return stderr.isEmpty() ? "" : ": " + String.join(" | ", stderr);
        }
    }
}
