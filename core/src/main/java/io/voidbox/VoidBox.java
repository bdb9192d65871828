package io.voidbox;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.context.Context;
import io.voidbox.AgentOptions.Runner;
import io.voidbox.SandboxOptions.Backend;
import io.voidbox.event.RunEventListener;
import io.voidbox.internal.engine.BackendSelector;
import io.voidbox.internal.engine.BoxExecutor;
import io.voidbox.internal.engine.EventBus;
import io.voidbox.internal.engine.PipelineEngine;
import io.voidbox.internal.engine.RunScope;
import io.voidbox.internal.engine.WorkflowEngine;
import io.voidbox.internal.otel.OtelRunInstrumentation;
import io.voidbox.internal.telemetry.TelemetryAggregator;
import io.voidbox.spi.AgentRunner;
import io.voidbox.spi.LlmResolver;
import io.voidbox.spi.Plugin;
import io.voidbox.spi.PluginContext;
import io.voidbox.spi.SandboxProvider;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.ServiceLoader;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.LoggerFactory;

/**
 * The runtime that runs pipelines and workflows: sandbox backends, the agent runners (one per agent
 * CLI, picked by each box's {@link AgentOptions#runner()}), their model endpoints and event listeners,
 * configured once and reused for many runs. Closing it stops what it started
 * (e.g. the scripted model server).
 */
public final class VoidBox implements AutoCloseable {
    private final List<RunEventListener> listeners;
    private final List<RunEventListener> syncListeners;
    private final Map<String, SandboxProvider> providers;
    private final Optional<Backend> backendOverride;
    private final Map<Runner, AgentRunner> agents;
    private final Map<Runner, LlmResolver> llms;
    private final Clock clock;
    private final OpenTelemetry openTelemetry;
    private final Map<String, String> environment;
    private final int telemetryBufferSize;
    private final OptionalInt maxParallel;
    /** The last run's instrumentation stays open so its final guest gauges still export; closed by the next run or close(). */
    private OtelRunInstrumentation lastInstrumentation;

    private VoidBox(Builder b) {
        this.listeners = List.copyOf(b.listeners);
        this.syncListeners = List.copyOf(b.syncListeners);
        this.providers = Map.copyOf(b.providers);
        this.backendOverride = b.backendOverride;
        this.agents = Map.copyOf(b.agents);
        this.llms = Map.copyOf(b.llms);
        this.clock = b.clock;
        this.openTelemetry = b.openTelemetry;
        this.environment = b.environment;
        this.telemetryBufferSize = b.telemetryBufferSize;
        this.maxParallel = b.maxParallel;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Runs a pipeline to the end; {@code input} (may be empty) is the first stage's input. */
    public PipelineResult run(Pipeline pipeline, String input, RunEventListener... extra) {
        return run(pipeline.name(), extra, (run, backends, telemetry) -> {
            try (BoxExecutor boxes = new BoxExecutor(run, backends, agents, llms, telemetry, environment)) {
                return new PipelineEngine(run, boxes, maxParallel).run(pipeline, input);
            }
        });
    }

    /**
     * Runs a workflow to the end, every step in one box; {@code input} (may be empty) is the stdin
     * of the steps without inputs. The result's stages are the steps that ran, its final output
     * the output step's stdout.
     */
    public PipelineResult run(Workflow workflow, String input, RunEventListener... extra) {
        return run(
                workflow.name(),
                extra,
                (run, backends, telemetry) -> new WorkflowEngine(run, backends, telemetry).run(workflow, input));
    }

    /** What runs once the run's scope, backends and telemetry exist. */
    @FunctionalInterface
    private interface Engine {
        PipelineResult run(RunScope run, BackendSelector backends, TelemetryAggregator telemetry);
    }

    private PipelineResult run(String name, RunEventListener[] extra, Engine engine) {
        String runId = HexFormat.of().formatHex(randomBytes());
        EventBus bus = new EventBus();
        listeners.forEach(bus::addListener);
        syncListeners.forEach(bus::addSyncListener);
        for (RunEventListener l : extra) bus.addListener(l);
        RunScope.StageTracing stageTracing = RunScope.StageTracing.NONE;
        OtelRunInstrumentation tracing = null;
        if (openTelemetry != null) {
            // the application's current span (if any) becomes the parent of the pipeline span
            tracing = new OtelRunInstrumentation(openTelemetry, Context.current());
            bus.addSyncListener(tracing);
            stageTracing = tracing;
        }
        RunScope run = new RunScope(runId, name, bus, clock, stageTracing);
        try (TelemetryAggregator telemetry = new TelemetryAggregator(bus::publish, clock, telemetryBufferSize)) {
            return engine.run(run, new BackendSelector(providers, backendOverride), telemetry);
        } finally {
            bus.close();
            if (tracing != null) rotateInstrumentation(tracing);
        }
    }

    private synchronized void rotateInstrumentation(OtelRunInstrumentation current) {
        if (lastInstrumentation != null) lastInstrumentation.close();
        lastInstrumentation = current;
    }

    private static byte[] randomBytes() {
        byte[] b = new byte[8];
        ThreadLocalRandom.current().nextBytes(b);
        return b;
    }

    @Override
    public void close() {
        new LinkedHashSet<>(llms.values()).forEach(LlmResolver::close);
        synchronized (this) {
            if (lastInstrumentation != null) lastInstrumentation.close();
            lastInstrumentation = null;
        }
    }

    /** Guest telemetry samples kept in memory per box when a runtime does not say otherwise. */
    public static final int DEFAULT_TELEMETRY_BUFFER_SIZE = 600;

    /** Configures a {@link VoidBox}; defaults give the local sandbox, Claude Code and the scripted model. */
    public static final class Builder {
        private final List<RunEventListener> listeners = new ArrayList<>();
        private final List<RunEventListener> syncListeners = new ArrayList<>();
        private final Map<String, SandboxProvider> providers = new HashMap<>();
        private Optional<Backend> backendOverride = Optional.empty();
        private final Map<Runner, AgentRunner> agents = new EnumMap<>(Runner.class);
        private final Map<Runner, LlmResolver> llms = new EnumMap<>(Runner.class);
        private Clock clock = Clock.systemUTC();
        private Map<String, String> environment = System.getenv();
        private Consumer<String> notices =
                n -> LoggerFactory.getLogger(VoidBox.class).info(n);
        private Supplier<Path> claudeExecutable;
        private OpenTelemetry openTelemetry;
        private int telemetryBufferSize = DEFAULT_TELEMETRY_BUFFER_SIZE;
        private OptionalInt maxParallel = OptionalInt.empty();

        /**
         * At most {@code boxes} boxes of a run at once, over every pipeline's own {@code max_parallel}
         * (the CLI's {@code --max-parallel}); fan-out boxes beyond wait their turn.
         */
        public Builder maxParallel(int boxes) {
            if (boxes < 1) throw new IllegalArgumentException("maxParallel must be at least 1, was " + boxes);
            this.maxParallel = OptionalInt.of(boxes);
            return this;
        }

        /** Receives every event of every run, on the event thread. */
        public Builder listener(RunEventListener l) {
            listeners.add(l);
            return this;
        }

        /** Receives events on the publishing thread; must be cheap and thread-safe (tracing). */
        public Builder syncListener(RunEventListener l) {
            syncListeners.add(l);
            return this;
        }

        /** Adds a backend; once any is added, only the added ones are used (no default local/vm). */
        public Builder sandboxProvider(SandboxProvider p) {
            providers.put(p.backend(), p);
            return this;
        }

        /** Forces one backend for every box, like {@code --backend}; null: each box's own. */
        public Builder backend(Backend b) {
            backendOverride = Optional.ofNullable(b);
            return this;
        }

        /** The runner for boxes of {@link AgentRunner#runner()}; default: the agent plug-ins'. */
        public Builder agentRunner(AgentRunner a) {
            agents.put(a.runner(), a);
            return this;
        }

        /** Model endpoints for the agent of {@link LlmResolver#runner()}; default: the agent plug-ins'. */
        public Builder llmResolver(LlmResolver r) {
            llms.put(r.runner(), r);
            return this;
        }

        /**
         * Traces and metrics of every run through this OpenTelemetry instance (API only: the
         * application or the {@code observability} module owns the SDK). The pipeline span is a
         * child of the span current when {@link VoidBox#run} is called.
         */
        public Builder openTelemetry(OpenTelemetry otel) {
            openTelemetry = otel;
            return this;
        }

        /**
         * How many guest telemetry samples are kept in memory per box (a spec's
         * {@code observe.telemetry_buffer_size}); default {@value #DEFAULT_TELEMETRY_BUFFER_SIZE}.
         */
        public Builder telemetryBufferSize(int samples) {
            if (samples < 1) throw new IllegalArgumentException("telemetryBufferSize must be positive, was " + samples);
            telemetryBufferSize = samples;
            return this;
        }

        /**
         * Where API keys and provider settings are read from, and where a sandbox {@code env} entry
         * with an empty value takes its value from; default the process environment.
         */
        public Builder environment(Map<String, String> env) {
            environment = Map.copyOf(env);
            return this;
        }

        /** Receives one-line notices for the user (e.g. "using the offline scripted model"). */
        public Builder notices(Consumer<String> n) {
            notices = n;
            return this;
        }

        /** The host's Claude Code binary for the local sandbox; default: the project-pinned install. */
        public Builder claudeExecutable(Supplier<Path> s) {
            claudeExecutable = s;
            return this;
        }

        public Builder clock(Clock c) {
            clock = c;
            return this;
        }

        public VoidBox build() {
            List<Plugin> plugins = ServiceLoader.load(Plugin.class).stream()
                    .map(ServiceLoader.Provider::get)
                    .toList();
            Supplier<Path> executable = claudeExecutable != null
                    ? claudeExecutable
                    : () -> firstAgentExecutable(plugins).get();
            PluginContext context = new PluginContext(environment, notices, executable);
            // per agent CLI, what is set explicitly wins, then the first plug-in offering one
            for (Plugin p : plugins) {
                p.agentRunner(context).ifPresent(a -> agents.putIfAbsent(a.runner(), a));
                p.llmResolver(context).ifPresent(r -> llms.putIfAbsent(r.runner(), r));
            }
            if (agents.isEmpty()) throw missing("an agent runner");
            if (llms.isEmpty()) throw missing("model endpoints");
            if (providers.isEmpty()) {
                // defaults: every backend the plug-ins on the class path offer (micro-VMs, the local sandbox)
                for (Plugin p : plugins)
                    p.sandboxProviders(context).forEach(sp -> providers.putIfAbsent(sp.backend(), sp));
                if (providers.isEmpty())
                    throw new IllegalStateException(
                            "no sandbox backend: add a sandbox module (e.g. voidbox-sandbox-local) to the class path");
            }
            return new VoidBox(this);
        }

        private Supplier<Path> firstAgentExecutable(List<Plugin> plugins) {
            PluginContext bare = new PluginContext(environment, notices, () -> {
                throw new IllegalStateException("no agent executable");
            });
            return first(plugins, p -> p.agentExecutable(bare), "an agent executable");
        }

        private static <T> T first(List<Plugin> plugins, Function<Plugin, Optional<T>> get, String what) {
            return plugins.stream()
                    .map(get)
                    .flatMap(Optional::stream)
                    .findFirst()
                    .orElseThrow(() -> missing(what));
        }

        private static IllegalStateException missing(String what) {
            return new IllegalStateException("no plug-in offers " + what
                    + ": add the module (e.g. voidbox-agent-claude-code) to the class path");
        }
    }
}
