package io.voidbox.cli;

import io.voidbox.Pipeline;
import io.voidbox.PipelineResult;
import io.voidbox.SandboxOptions.Backend;
import io.voidbox.VoidBox;
import io.voidbox.event.JsonLinesEventWriter;
import io.voidbox.spec.PipelineSpec;
import io.voidbox.spec.SpecException;
import io.voidbox.spec.SpecLoader;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Runs a pipeline (or single agent) spec end to end. */
@Command(name = "run", description = "Run a pipeline or agent spec.")
final class RunCommand implements Callable<Integer> {
    @picocli.CommandLine.ParentCommand
    VoidboxCommand parent;

    @Option(
            names = {"-f", "--file"},
            required = true,
            description = "Spec file (YAML or JSON).")
    Path file;

    @Option(names = "--input", description = "Input text for the first stage.")
    String input = "";

    @Option(names = "--events", description = "Write run events as JSON Lines to FILE, or '-' for stdout.")
    String events;

    @Option(names = "--backend", description = "Override every box's backend: auto, vm or local.")
    String backend;

    @Option(
            names = {"-v", "--verbose"},
            description = "Also print the agents' raw stdout lines.")
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
        PipelineSpec spec;
        try {
            spec = SpecLoader.load(file, parent.environment);
        } catch (SpecException e) {
            System.err.println(e.getMessage());
            return VoidboxCommand.EXIT_BAD_INPUT;
        }
        boolean eventsToStdout = "-".equals(events);
        OutputStream eventsOut;
        try {
            eventsOut = events == null ? null : eventsToStdout ? System.out : Files.newOutputStream(Path.of(events));
        } catch (IOException e) {
            System.err.println("voidbox: cannot write events to " + events + ": " + e.getMessage());
            return VoidboxCommand.EXIT_BAD_INPUT;
        }
        boolean tty = System.console() != null && System.console().isTerminal();
        Pipeline pipeline = spec.pipeline();
        try (CliRuntime runtime = CliRuntime.create(backendOverride, System.err, parent.environment, spec.observe())) {
            VoidBox.Builder builder = runtime.builder().listener(new ConsoleReporter(System.err, tty, verbose));
            if (eventsOut != null) builder.listener(new JsonLinesEventWriter(eventsOut, !eventsToStdout));
            PipelineResult result;
            try (VoidBox vb = builder.build()) {
                result = vb.run(pipeline, input);
                runtime.flush();
            }
            SummaryTable.print(result, System.err);
            if (!eventsToStdout && result.success()) System.out.println(result.finalOutput());
            return result.success() ? VoidboxCommand.EXIT_OK : VoidboxCommand.EXIT_FAILED;
        }
    }
}
