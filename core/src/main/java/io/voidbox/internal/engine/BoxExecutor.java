package io.voidbox.internal.engine;

import io.voidbox.Box;
import io.voidbox.spi.LlmResolver;
import io.voidbox.StageResult;

import io.voidbox.spi.AgentInvocation;
import io.voidbox.spi.AgentListener;
import io.voidbox.spi.AgentOutcome;
import io.voidbox.spi.AgentRunner;
import io.voidbox.event.RunEvent;
import io.voidbox.spi.Sandbox;
import io.voidbox.spi.SandboxEnvironment;
import io.voidbox.spi.SandboxException;
import io.voidbox.spi.SandboxListener;
import io.voidbox.spi.SandboxProvider;
import io.voidbox.spi.SandboxRequest;
import io.voidbox.internal.telemetry.TelemetryAggregator;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiFunction;
import java.util.stream.Stream;

/**
 * Runs one box from start to end: sandbox up, input and skills in, agent run with live events,
 * output out, sandbox down. Every failure becomes a failed {@link StageResult} with a clear
 * error; nothing escapes as an exception and nothing is left running.
 */
public final class BoxExecutor {
    public static final int PROMPT_INPUT_CHARS = 4000;
    static final int EVENT_TEXT_LIMIT = 2000;

    private final RunContext run;
    private final BackendSelector backends;
    private final AgentRunner agent;
    private final LlmResolver llms;
    private final BiFunction<String, String, Optional<String>> traceparent;
    private final AtomicInteger cid = new AtomicInteger(2);

    public BoxExecutor(RunContext run, BackendSelector backends, AgentRunner agent, LlmResolver llms,
                BiFunction<String, String, Optional<String>> traceparent) {
        this.run = run;
        this.backends = backends;
        this.agent = agent;
        this.llms = llms;
        this.traceparent = traceparent;
    }

    static final String CANCELLED = "cancelled because another fan-out branch failed";

    StageResult cancelled(Box box, int index) {
        return failed(box, index, Duration.ZERO, null, CANCELLED, "cancelled", "", "", Optional.empty());
    }

    static boolean wasCancelled(StageResult r) {
        return r.error().filter(CANCELLED::equals).isPresent();
    }

    StageResult run(Box box, int index, String input, TelemetryAggregator telemetry) {
        String name = box.name();
        long t0 = System.nanoTime();
        run.publish(new RunEvent.StageStarted(run.now(), run.runId(), run.pipeline(), name, name, index));
        String vmCid = String.valueOf(cid.getAndIncrement());
        var feed = telemetry.register(name, name, vmCid, box.sandbox().telemetryIntervalMs());
        String backend = "?";
        String accel = null;
        AtomicReference<String> model = new AtomicReference<>("");
        try {
            SandboxProvider provider = backends.select(box, w -> run.boxWarning(name, w));
            backend = provider.backend();
            SandboxRequest request = new SandboxRequest(name, box.sandbox().memoryMb(), box.sandbox().vcpus(),
                    box.sandbox().accel(), box.sandbox().network(), box.sandbox().env(), box.sandbox().mounts(),
                    box.sandbox().telemetryIntervalMs(), feed, lifecycle(name));
            try (Sandbox sandbox = provider.start(request)) {
                SandboxEnvironment env = sandbox.environment();
                accel = env.accel().orElse(null);
                Mounts.copyIn(box.sandbox().mounts(), sandbox);
                String prompt = prepareWorkspace(box, input, sandbox, env);
                LlmResolver.Resolved llm = llms.resolve(name, box.llm(), env);
                model.set(llm.model());
                Map<String, String> agentEnv = new HashMap<>(llm.env());
                traceparent.apply(run.runId(), name).ifPresent(tp -> agentEnv.put("TRACEPARENT", tp));
                AgentOutcome outcome;
                try {
                    outcome = agent.run(new AgentInvocation(name, prompt, llm.provider(), llm.model(), agentEnv, box.timeout()),
                            sandbox, agentListener(name, llm));
                } finally {
                    llms.release(llm);
                }
                run.publish(new RunEvent.AgentResult(run.now(), run.runId(), run.pipeline(), name, name, agent.name(),
                        llm.provider(), outcome.model().isBlank() ? llm.model() : outcome.model(), outcome.sessionId(),
                        outcome.inputTokens(), outcome.outputTokens(), outcome.cacheReadTokens(), outcome.cacheCreationTokens(),
                        outcome.costUsd(), outcome.numTurns(), outcome.durationMs(), outcome.durationApiMs(), !outcome.success(),
                        outcome.toolsUsed(), outcome.toolCalls(), outcome.error().orElse(null)));
                Optional<String> fileOutput = readOutput(box, sandbox);
                Mounts.copyOut(box.sandbox().mounts(), sandbox);
                Duration took = Duration.ofNanos(System.nanoTime() - t0);
                String usedModel = outcome.model().isBlank() ? llm.model() : outcome.model();
                if (!outcome.success())
                    return failed(box, index, took, outcome, outcome.error().orElse("agent failed"),
                            outcome.errorType().orElse("agent_error"), usedModel, backend, Optional.ofNullable(accel));
                StageResult r = new StageResult(name, index, true, outcome.resultText(), fileOutput,
                        outcome.inputTokens(), outcome.outputTokens(), outcome.costUsd(), took, outcome.toolCalls(),
                        outcome.toolsUsed(), usedModel, backend, Optional.ofNullable(accel), Optional.empty());
                run.publish(new RunEvent.StageCompleted(run.now(), run.runId(), run.pipeline(), name, name,
                        took.toMillis(), r.inputTokens(), r.outputTokens(), r.costUsd(), r.toolCalls(), usedModel, backend, accel));
                return r;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return failed(box, index, Duration.ofNanos(System.nanoTime() - t0), null,
                    CANCELLED, "cancelled", model.get(), backend, Optional.ofNullable(accel));
        } catch (SandboxException e) {
            return failed(box, index, Duration.ofNanos(System.nanoTime() - t0), null, e.getMessage(), "sandbox_error",
                    model.get(), backend, Optional.ofNullable(accel));
        } catch (IOException | RuntimeException e) {
            return failed(box, index, Duration.ofNanos(System.nanoTime() - t0), null,
                    e.getClass().getSimpleName() + ": " + e.getMessage(), e.getClass().getSimpleName(), model.get(), backend,
                    Optional.ofNullable(accel));
        } finally {
            telemetry.unregister(name);
        }
    }

    private StageResult failed(Box box, int index, Duration took, AgentOutcome o, String error, String errorType,
                               String model, String backend, Optional<String> accel) {
        long in = o == null ? 0 : o.inputTokens(), out = o == null ? 0 : o.outputTokens();
        double cost = o == null ? 0 : o.costUsd();
        int tools = o == null ? 0 : o.toolCalls();
        run.boxWarning(box.name(), "stage failed: " + error);
        run.publish(new RunEvent.StageFailed(run.now(), run.runId(), run.pipeline(), box.name(), box.name(),
                took.toMillis(), in, out, cost, tools, model, backend, accel.orElse(null), error, errorType));
        return new StageResult(box.name(), index, false, o == null ? "" : o.resultText(), Optional.empty(), in, out, cost,
                took, tools, o == null ? List.of() : o.toolsUsed(), model, backend, accel, Optional.of(error));
    }

    /** Writes input.json and skills into the workspace and returns the full prompt. */
    private String prepareWorkspace(Box box, String input, Sandbox sandbox, SandboxEnvironment env) throws IOException {
        StringBuilder prompt = new StringBuilder(box.prompt());
        if (input != null && !input.isBlank()) {
            String json = PipelineEngine.asJson(input).toString();
            sandbox.writeFile("input.json", json.getBytes(StandardCharsets.UTF_8));
            String inputPath = env.workspace() + "/input.json";
            prompt.append("\n\n## Input from the previous stage\nThe full input is in the file ").append(inputPath).append('.');
            if (json.length() > PROMPT_INPUT_CHARS) {
                prompt.append(" Its first ").append(PROMPT_INPUT_CHARS).append(" characters (read the file for the rest):\n")
                        .append(json, 0, PROMPT_INPUT_CHARS);
            } else {
                prompt.append(" Its content:\n").append(json);
            }
        }
        List<String> named = new java.util.ArrayList<>();
        for (String skill : box.skills()) {
            Path p = Path.of(skill);
            if (Files.isDirectory(p)) copySkillDir(p, sandbox);
            else if (Files.isRegularFile(p))
                sandbox.writeFile(".claude/skills/" + stripMd(p.getFileName().toString()) + "/SKILL.md", Files.readAllBytes(p));
            else if (skill.contains("/") || skill.endsWith(".md"))
                throw new IOException("skill '" + skill + "' of box " + box.name() + " does not exist");
            else named.add(skill);
        }
        if (!named.isEmpty()) prompt.append("\n\nApply these skills: ").append(String.join(", ", named)).append('.');
        return prompt.toString();
    }

    private static String stripMd(String f) {
        return f.endsWith(".md") ? f.substring(0, f.length() - 3) : f;
    }

    private static void copySkillDir(Path dir, Sandbox sandbox) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path f : files.filter(Files::isRegularFile).toList())
                sandbox.writeFile(".claude/skills/" + dir.getFileName() + "/" + dir.relativize(f), Files.readAllBytes(f));
        }
    }

    private static Optional<String> readOutput(Box box, Sandbox sandbox) throws IOException {
        if (box.outputFile().isEmpty()) return Optional.empty();
        return sandbox.readFile(box.outputFile().get()).map(b -> new String(b, StandardCharsets.UTF_8));
    }

    private SandboxListener lifecycle(String box) {
        return new SandboxListener() {
            @Override
            public void booting(String backend, String accel) {
                run.publish(new RunEvent.BoxBooting(run.now(), run.runId(), run.pipeline(), box, box, box, backend, accel));
                run.boxLine(box, box, "runtime", "booting (" + backend + (accel == null ? "" : ", " + accel) + ")");
            }

            @Override
            public void ready(String backend, String accel, long bootMs, String guestKernel) {
                run.publish(new RunEvent.BoxReady(run.now(), run.runId(), run.pipeline(), box, box, box, backend, accel, bootMs, guestKernel));
                run.boxLine(box, box, "runtime", "ready in " + bootMs + " ms" + (guestKernel == null ? "" : " (guest kernel " + guestKernel + ")"));
            }

            @Override
            public void stopped(String backend, String accel, String exitReason) {
                run.publish(new RunEvent.BoxStopped(run.now(), run.runId(), run.pipeline(), box, box, box, backend, accel, exitReason));
                run.boxLine(box, box, "runtime", "stopped (" + exitReason + ")");
            }

            @Override
            public void line(String stream, String line) {
                run.boxLine(box, box, stream, line);
            }

            @Override
            public void warning(String message) {
                run.boxWarning(box, message);
            }
        };
    }

    private AgentListener agentListener(String box, LlmResolver.Resolved llm) {
        Map<String, String> toolNames = new ConcurrentHashMap<>();
        return new AgentListener() {
            @Override
            public void started(String model) {
                run.publish(new RunEvent.AgentStarted(run.now(), run.runId(), run.pipeline(), box, box, agent.name(), llm.provider(), model));
            }

            @Override
            public void toolCall(String tool, String toolUseId, String input, String parentToolUseId) {
                toolNames.put(toolUseId, tool);
                Cut c = cut(input);
                run.publish(new RunEvent.AgentToolCall(run.now(), run.runId(), run.pipeline(), box, box, tool, toolUseId,
                        c.text, c.truncated, parentToolUseId));
            }

            @Override
            public void toolResult(String tool, String toolUseId, boolean isError, long durationMs, String output, String parentToolUseId) {
                Cut c = cut(output);
                run.publish(new RunEvent.AgentToolResult(run.now(), run.runId(), run.pipeline(), box, box,
                        tool != null ? tool : toolNames.getOrDefault(toolUseId, "unknown"), toolUseId, isError, durationMs,
                        c.text, c.truncated, parentToolUseId));
            }

            @Override
            public void line(String stream, String line) {
                run.boxLine(box, box, stream, line);
            }

            @Override
            public void warning(String message) {
                run.boxWarning(box, message);
            }
        };
    }

    record Cut(String text, boolean truncated) {}

    static Cut cut(String s) {
        if (s == null) return new Cut("", false);
        return s.length() <= EVENT_TEXT_LIMIT ? new Cut(s, false) : new Cut(s.substring(0, EVENT_TEXT_LIMIT), true);
    }
}
