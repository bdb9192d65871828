package io.voidbox.cli;

import io.voidbox.PipelineResult;
import io.voidbox.SandboxOptions.Backend;
import io.voidbox.VoidBox;
import io.voidbox.event.JsonLinesEventWriter;
import io.voidbox.spec.PipelineSpec;
import io.voidbox.spec.Spec;
import io.voidbox.spec.SpecException;
import io.voidbox.spec.SpecLoader;
import io.voidbox.spec.UserConfig;
import io.voidbox.spec.WorkflowSpec;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** Runs a spec end to end: a pipeline, a single agent or a workflow. */
@Command(name = "run", description = "Run a pipeline, agent or workflow spec.")
final class RunCommand implements Callable<Integer> {
    @ParentCommand
    VoidboxCommand parent;

    @Option(
            names = {"-f", "--file"},
            required = true,
            description = "Spec file (YAML or JSON).")
    Path file;

    @Option(
            names = "--input",
            description = "Input text for the first stage (a workflow: stdin of the steps without inputs).")
    String input = "";

    @Option(names = "--events", description = "Write run events as JSON Lines to FILE, or '-' for stdout.")
    String events;

    @Option(names = "--backend", description = "Override every box's backend: auto, vm or local.")
    String backend;

    @Option(
            names = "--max-parallel",
            paramLabel = "N",
            description = "At most N boxes at once (over the spec's pipeline.max_parallel); fan-out boxes beyond wait"
                    + " their turn. Default: micro-VMs while their vCPUs fit the cores and their memory the host's.")
    Integer maxParallel;

    @Option(
            names = {"-v", "--verbose"},
            description = "Also print the agents' (and workflow steps') stdout lines.")
    boolean verbose;

    @Override
    public Integer call() {
        Backend backendOverride = null;
        if (backend != null) {
            // parsed here, not by picocli, so that a bad value keeps this one-line message (no usage dump)
            try {
                backendOverride = Backend.parse(backend);
            } catch (IllegalArgumentException e) {
                System.err.println("voidbox: --backend must be auto, vm or local, was '" + backend + "'");
                return VoidboxCommand.EXIT_BAD_INPUT;
            }
        }
        if (maxParallel != null && maxParallel < 1) {
            System.err.println("voidbox: --max-parallel must be at least 1, was " + maxParallel);
            return VoidboxCommand.EXIT_BAD_INPUT;
        }
        boolean json = parent.output == VoidboxCommand.Output.JSON;
        boolean eventsToStdout = "-".equals(events);
        if (json && eventsToStdout) {
            System.err.println("voidbox: --events - and --output json both write to stdout: give --events a file");
            return VoidboxCommand.EXIT_BAD_INPUT;
        }
        Spec spec;
        try {
            Optional<UserConfig> config = parent.userConfig();
            spec = SpecLoader.loadSpec(file, config, parent.environment);
        } catch (SpecException e) {
            System.err.println(e.getMessage());
            return VoidboxCommand.EXIT_BAD_INPUT;
        }
        OutputStream eventsOut;
        try {
            eventsOut = events == null ? null : eventsToStdout ? System.out : Files.newOutputStream(Path.of(events));
        } catch (IOException e) {
            System.err.println("voidbox: cannot write events to " + events + ": " + e.getMessage());
            return VoidboxCommand.EXIT_BAD_INPUT;
        }
        Optional<BoxLogFiles> logFiles = parent.effectiveLogDir().map(d -> new BoxLogFiles(d, System.err));
        boolean tty = System.console() != null && System.console().isTerminal();
        try (CliRuntime runtime = CliRuntime.create(backendOverride, System.err, parent.environment, spec.observe())) {
            ConsoleReporter console = new ConsoleReporter(System.err, tty, verbose);
            VoidBox.Builder builder = runtime.builder().listener(console);
            if (maxParallel != null) builder.maxParallel(maxParallel);
            if (eventsOut != null) builder.listener(new JsonLinesEventWriter(eventsOut, !eventsToStdout));
            logFiles.ifPresent(builder::listener);
            PipelineResult result;
            try (VoidBox vb = builder.build()) {
                result = switch (spec) {
                    case PipelineSpec p -> vb.run(p.pipeline(), input);
                    case WorkflowSpec w -> vb.run(w.workflow(), input);
                };
                runtime.flush();
            }
            SummaryTable.print(result, console.queuedMs(), System.err);
            logFiles.ifPresent(l -> System.err.println("voidbox: box logs in " + l.runDir(result.runId())));
            if (json) System.out.println(ResultJson.of(result, spec.kind()));
            else if (!eventsToStdout && result.success()) System.out.println(result.finalOutput());
            return result.success() ? VoidboxCommand.EXIT_OK : VoidboxCommand.EXIT_FAILED;
        }
    }
}
