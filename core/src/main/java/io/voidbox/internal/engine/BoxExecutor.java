package io.voidbox.internal.engine;

import io.voidbox.AgentOptions.Runner;
import io.voidbox.Box;
import io.voidbox.Failure;
import io.voidbox.SandboxOptions;
import io.voidbox.Skill;
import io.voidbox.StageResult;
import io.voidbox.Usage;
import io.voidbox.event.RunEvent.AgentResult;
import io.voidbox.event.RunEvent.UsageCounted;
import io.voidbox.internal.telemetry.TelemetryAggregator;
import io.voidbox.spi.AgentInvocation;
import io.voidbox.spi.AgentOutcome;
import io.voidbox.spi.AgentRunner;
import io.voidbox.spi.BoxScope;
import io.voidbox.spi.FileTooLargeException;
import io.voidbox.spi.LlmResolver;
import io.voidbox.spi.ResourceLimitException;
import io.voidbox.spi.Sandbox;
import io.voidbox.spi.SandboxEnvironment;
import io.voidbox.spi.SandboxException;
import io.voidbox.spi.SandboxProvider;
import io.voidbox.spi.SandboxRequest;
import io.voidbox.spi.support.CredentialProxy;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs one box from start to end: scope opened (stage event and span), sandbox up, input, handed-on
 * directories and skills in, agent run with live events, output out, sandbox down. Every failure
 * becomes a failed {@link StageResult} with a typed {@link Failure}; nothing escapes as an
 * exception and nothing is left running. One per run: {@link #close()} removes the run's copies
 * of the directories boxes hand on.
 */
public final class BoxExecutor implements AutoCloseable {
    public static final int PROMPT_INPUT_CHARS = 4000;

    private final RunScope run;
    private final BackendSelector backends;
    private final Map<Runner, AgentRunner> agents;
    private final Map<Runner, LlmResolver> llms;
    private final TelemetryAggregator telemetry;
    private final AtomicInteger cid = new AtomicInteger(2);
    private final Map<String, String> hostEnvironment;
    private final Handoff handoff = new Handoff();
    private final Skills skills = new Skills(new RemoteSkills(Skill.Remote.GITHUB_RAW));

    public BoxExecutor(
            RunScope run,
            BackendSelector backends,
            Map<Runner, AgentRunner> agents,
            Map<Runner, LlmResolver> llms,
            TelemetryAggregator telemetry) {
        this(run, backends, agents, llms, telemetry, Map.of());
    }

    /**
     * @param hostEnvironment where sandbox {@code env} entries with an empty value take their value
     *                        from (the runtime's environment)
     */
    public BoxExecutor(
            RunScope run,
            BackendSelector backends,
            Map<Runner, AgentRunner> agents,
            Map<Runner, LlmResolver> llms,
            TelemetryAggregator telemetry,
            Map<String, String> hostEnvironment) {
        this.run = run;
        this.backends = backends;
        this.agents = Map.copyOf(agents);
        this.llms = Map.copyOf(llms);
        this.telemetry = telemetry;
        this.hostEnvironment = Map.copyOf(hostEnvironment);
    }

    @Override
    public void close() {
        handoff.close();
    }

    /** The result of a box that never started because another fan-out branch failed first. */
    StageResult cancelled(Box box, int index) {
        return new StageAttempt(run.scopeOf(box.name()), index, "stage")
                .failed("", Usage.NONE, new Failure.Cancelled());
    }

    StageResult run(Box box, int index, String input) {
        return run(box, index, input, Duration.ZERO);
    }

    /** What {@code box} needs from the run's {@link BoxScheduler}: a micro-VM's vCPUs and memory, or nothing much. */
    BoxScheduler.Demand demand(Box box) {
        return backends.picksVm(box)
                ? BoxScheduler.Demand.vm(box.sandbox().vcpus(), box.sandbox().memoryMb())
                : BoxScheduler.Demand.LOCAL;
    }

    /** Runs {@code box}, which waited {@code queued} for its slot (reported on {@code stage.started}). */
    StageResult run(Box box, int index, String input, Duration queued) {
        StageAttempt attempt = new StageAttempt(run.openBox(box.name(), index, queued.toMillis()), index, "stage");
        BoxScope scope = attempt.scope;
        String vmCid = String.valueOf(cid.getAndIncrement());
        var feed = telemetry.register(scope.header(), vmCid, box.sandbox().telemetryIntervalMs());
        try {
            Optional<Failure> unavailable = runnerUnavailable(box);
            if (unavailable.isPresent()) return attempt.failed("", Usage.NONE, unavailable.get());
            SandboxProvider provider = backends.select(box, scope::warning);
            attempt.backend = provider.backend();
            SandboxRequest request = new SandboxRequest(
                    scope,
                    passHostEnvironment(box.sandbox()),
                    feed,
                    agents.get(box.agent().runner()).payload().stream().toList());
            try (Sandbox sandbox = provider.start(request)) {
                SandboxEnvironment env = sandbox.environment();
                attempt.accel = env.accel();
                if (!sandbox.mountsLive()) Mounts.copyIn(box.sandbox().mounts(), sandbox);
                handoff.prepare(box, sandbox);
                String prompt = prepareWorkspace(box, input, sandbox, scope);
                AgentOutcome outcome = runAgent(box, prompt, input, sandbox, attempt);
                Optional<String> fileOutput;
                try {
                    fileOutput = readOutput(box, sandbox);
                } catch (FileTooLargeException e) {
                    return attempt.failed(
                            outcome.resultText(),
                            outcome.usage().withModelIfBlank(attempt.model),
                            new Failure.ResourceLimit("output_file " + e.getMessage(), "output", 0));
                }
                if (!sandbox.mountsLive()) Mounts.copyOut(box.sandbox().mounts(), sandbox);
                if (outcome.success()) handoff.collect(box, sandbox);
                Usage usage = outcome.usage().withModelIfBlank(attempt.model);
                Optional<Failure> failure = outcome.failure().or(() -> outputMissing(box, fileOutput));
                return failure.map(f -> attempt.failed(outcome.resultText(), usage, f))
                        .orElseGet(() -> attempt.completed(outcome.resultText(), fileOutput, usage));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return attempt.failed("", Usage.NONE.withModelIfBlank(attempt.model), new Failure.Cancelled());
        } catch (SandboxException e) {
            return attempt.failed(
                    "", Usage.NONE.withModelIfBlank(attempt.model), new Failure.SandboxError(e.getMessage()));
        } catch (ResourceLimitException e) {
            return attempt.failed("", Usage.NONE.withModelIfBlank(attempt.model), e.failure());
        } catch (IOException | RuntimeException e) {
            return attempt.failed("", Usage.NONE.withModelIfBlank(attempt.model), Failure.Internal.of(e));
        } catch (Error e) {
            // even OutOfMemoryError: this box fails, the run goes on to report it (run.failed)
            return attempt.failed("", Usage.NONE.withModelIfBlank(attempt.model), Failure.Internal.of(e));
        } finally {
            telemetry.unregister(box.name());
        }
    }

    /** A box whose agent CLI no plug-in runs fails before its sandbox starts, saying which module is missing. */
    private Optional<Failure> runnerUnavailable(Box box) {
        Runner runner = box.agent().runner();
        String missing =
                !agents.containsKey(runner) ? "agent runner" : !llms.containsKey(runner) ? "model endpoints" : null;
        if (missing == null) return Optional.empty();
        return Optional.of(new Failure.SandboxError("box " + box.name() + " asks for runner " + runner.id() + " but no "
                + missing + " for it is available: add its agent module (voidbox-agent-" + runner.id()
                + ") to the class path"));
    }

    /** Sandbox env entries with an empty value take the host's value (VoidBox's {@code GITHUB_TOKEN: ""}). */
    private SandboxOptions passHostEnvironment(SandboxOptions options) {
        if (!options.env().containsValue("")) return options;
        Map<String, String> env = new HashMap<>(options.env());
        env.replaceAll((k, v) -> v.isEmpty() ? hostEnvironment.getOrDefault(k, "") : v);
        return options.withEnv(env);
    }

    private AgentOutcome runAgent(Box box, String prompt, String input, Sandbox sandbox, StageAttempt attempt)
            throws IOException, InterruptedException {
        BoxScope scope = attempt.scope;
        AgentRunner agent = agents.get(box.agent().runner());
        LlmResolver resolver = llms.get(box.agent().runner());
        LlmResolver.Resolved llm =
                resolver.resolve(box.name(), box.llm(), sandbox.environment(), input == null ? "" : input);
        attempt.model = llm.model();
        run.bus().redactor().addAll(resolver.secrets());
        Map<String, String> agentEnv = new HashMap<>(llm.env());
        agentEnv.putAll(scope.traceEnvironment());
        AgentOutcome outcome;
        Optional<CredentialProxy.Counted> counted;
        try {
            outcome = agent.run(
                    new AgentInvocation(
                            box.name(), prompt, llm.provider(), llm.model(), agentEnv, box.timeout(), box.agent()),
                    sandbox,
                    scope);
            counted = resolver.counted(llm);
        } finally {
            resolver.release(llm);
        }
        counted.ifPresent(c -> checkUsage(scope, c, outcome.usage(), outcome.success()));
        scope.publish(new AgentResult(
                scope.header(),
                agent.name(),
                llm.provider(),
                outcome.sessionId(),
                outcome.usage().withModelIfBlank(llm.model()),
                outcome.durationMs(),
                outcome.durationApiMs(),
                outcome.failure().orElse(null)));
        return outcome;
    }

    /**
     * Compares the tokens the host's credential proxy counted with those the agent reports
     * ({@code usage.counted}); a difference is a warning: the agent's account is not to be trusted
     * (e.g. code in the box printed a forged result line). Only the account of a successful agent
     * run is compared: a crash, a timeout or a cut stream leaves none.
     */
    private static void checkUsage(
            BoxScope scope, CredentialProxy.Counted counted, Usage reported, boolean agentSucceeded) {
        Usage.Tokens host = counted.tokens();
        Usage.Tokens told = reported.tokens();
        long hostInput = host.inputTokens() + host.cacheReadTokens() + host.cacheCreationTokens();
        long toldInput = told.inputTokens() + told.cacheReadTokens() + told.cacheCreationTokens();
        // a failed run (a crash, a timeout, a cut stream) has no final account to check
        boolean mismatch = agentSucceeded && (hostInput != toldInput || host.outputTokens() != told.outputTokens());
        scope.publish(new UsageCounted(
                scope.header(),
                hostInput,
                host.outputTokens(),
                host.cacheReadTokens(),
                host.cacheCreationTokens(),
                counted.responses(),
                mismatch));
        if (mismatch)
            scope.warning("usage mismatch: the agent reports " + toldInput + " input and " + told.outputTokens()
                    + " output tokens, the host counted " + hostInput + " input and " + host.outputTokens()
                    + " output tokens in " + counted.responses() + " model responses");
    }

    /** Writes input.json and skills into the workspace and returns the full prompt. */
    private String prepareWorkspace(Box box, String input, Sandbox sandbox, BoxScope scope)
            throws IOException, InterruptedException, SandboxException {
        StringBuilder prompt = new StringBuilder(box.prompt());
        if (input != null && !input.isBlank()) {
            String json = Outputs.asJson(input).toString();
            sandbox.writeFile("input.json", json.getBytes(StandardCharsets.UTF_8));
            String inputPath = sandbox.environment().workspace() + "/input.json";
            prompt.append("\n\n## Input from the previous stage\nThe full input is in the file ")
                    .append(inputPath)
                    .append('.');
            if (json.length() > PROMPT_INPUT_CHARS) {
                prompt.append(" Its first ")
                        .append(PROMPT_INPUT_CHARS)
                        .append(" characters (read the file for the rest):\n")
                        .append(json, 0, PROMPT_INPUT_CHARS);
            } else {
                prompt.append(" Its content:\n").append(json);
            }
        }
        List<String> named = skills.install(box, sandbox, scope);
        if (!named.isEmpty())
            prompt.append("\n\nApply these skills: ")
                    .append(String.join(", ", named))
                    .append('.');
        return prompt.toString();
    }

    /** A declared output file the agent never wrote fails a stage the agent thought it finished. */
    private static Optional<Failure> outputMissing(Box box, Optional<String> fileOutput) {
        if (box.outputFile().isEmpty() || fileOutput.isPresent()) return Optional.empty();
        String file = box.outputFile().get();
        return Optional.of(
                new Failure.OutputMissing("the agent reported success but never wrote its output file " + file, file));
    }

    private static Optional<String> readOutput(Box box, Sandbox sandbox) throws IOException {
        if (box.outputFile().isEmpty()) return Optional.empty();
        return sandbox.readFile(box.outputFile().get()).map(b -> new String(b, StandardCharsets.UTF_8));
    }
}
