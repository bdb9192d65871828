package io.voidbox.cli;

import io.voidbox.spec.PipelineSpec;
import io.voidbox.spec.Spec;
import io.voidbox.spec.SpecException;
import io.voidbox.spec.SpecLoader;
import io.voidbox.spec.WorkflowSpec;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** Checks a spec and reports every error with its path and line. */
@Command(
        name = "validate",
        description = "Check a pipeline, agent or workflow spec; report every error with its path and line.")
final class ValidateCommand implements Callable<Integer> {
    @ParentCommand
    VoidboxCommand parent;

    @Option(
            names = {"-f", "--file"},
            required = true,
            description = "Spec file (YAML or JSON).")
    Path file;

    @Override
    public Integer call() {
        try {
            Spec spec = SpecLoader.loadSpec(file, parent.userConfig());
            String shape = switch (spec) {
                case PipelineSpec p ->
                    p.boxes().size() + " boxes, " + p.stages().size() + " stages";
                case WorkflowSpec w -> w.workflow().steps().size() + " steps";
            };
            System.out.println(file + ": ok (" + spec.kind().id() + " " + spec.name() + ", " + shape + ")");
            return VoidboxCommand.EXIT_OK;
        } catch (SpecException e) {
            System.err.println(e.getMessage());
            return VoidboxCommand.EXIT_BAD_INPUT;
        }
    }
}
