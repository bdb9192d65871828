package io.voidbox.cli;

import io.voidbox.PipelineResult;
import io.voidbox.SandboxOptions.Backend;
import io.voidbox.SpecEnum;
import io.voidbox.VoidBox;
import io.voidbox.event.JsonLinesEventWriter;
import io.voidbox.spec.PipelineSpec;
import io.voidbox.spec.Spec;
import io.voidbox.spec.WorkflowSpec;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Runs a spec end to end: a pipeline, a single agent or a workflow. */
@Command(name = "run", description = "Run a pipeline, agent or workflow spec.")
final class RunCommand extends SpecFileCommand {
    @Option(
            names = "--input",
            description = "Input text for the first stage (a workflow: stdin of the steps without inputs).")
    String input = "";

    @Option(names = "--events", description = "Write run events as JSON Lines to FILE, or '-' for stdout.")
    String events;

    @Option(names = "--backend", description = "Override every box's backend: auto, vm, namespace or local.")
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

    private Backend backendOverride;

    @Override
    public Integer call() {
        if (backend != null) {
            // parsed here, not by picocli, so that a bad value keeps this one-line message (no usage dump)
            try {
                backendOverride = SpecEnum.parse("backend", backend, Backend.values());
            } catch (IllegalArgumentException e) {
                System.err.println("voidbox: --backend must be auto, vm, namespace or local, was '" + backend + "'");
                return VoidboxCommand.EXIT_BAD_INPUT;
            }
        }
        if (maxParallel != null && maxParallel < 1) {
            System.err.println("voidbox: --max-parallel must be at least 1, was " + maxParallel);
            return VoidboxCommand.EXIT_BAD_INPUT;
        }
        if (parent.output == VoidboxCommand.Output.JSON && "-".equals(events)) {
            System.err.println("voidbox: --events - and --output json both write to stdout: give --events a file");
            return VoidboxCommand.EXIT_BAD_INPUT;
        }
        return super.call();
    }

    @Override
    Map<String, String> llmOverrides() {
        return parent.environment;
    }

    @Override
    int run(Spec spec) {
        boolean json = parent.output == VoidboxCommand.Output.JSON;
        boolean eventsToStdout = "-".equals(events);
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
            JsonLinesEventWriter eventsWriter =
                    eventsOut == null ? null : new JsonLinesEventWriter(eventsOut, !eventsToStdout);
            if (eventsWriter != null) builder.listener(eventsWriter);
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
            Optional<String> eventsLost = eventsWriter == null ? Optional.empty() : eventsWriter.failure();
            eventsLost.ifPresent(why -> System.err.println(
                    "voidbox: the events file " + events + " is incomplete, so the run counts as failed: " + why));
            return result.success() && eventsLost.isEmpty() ? VoidboxCommand.EXIT_OK : VoidboxCommand.EXIT_FAILED;
        }
    }
}
