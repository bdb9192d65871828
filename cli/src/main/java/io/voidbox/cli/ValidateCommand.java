package io.voidbox.cli;

import io.voidbox.spec.PipelineSpec;
import io.voidbox.spec.Spec;
import io.voidbox.spec.WorkflowSpec;
import picocli.CommandLine.Command;

/** Checks a spec and reports every error with its path and line. */
@Command(
        name = "validate",
        description = "Check a pipeline, agent or workflow spec; report every error with its path and line.")
final class ValidateCommand extends SpecFileCommand {
    @Override
    int run(Spec spec) {
        String shape = switch (spec) {
            case PipelineSpec p -> p.boxes().size() + " boxes, " + p.stages().size() + " stages";
            case WorkflowSpec w -> w.workflow().steps().size() + " steps";
        };
        System.out.println(file + ": ok (" + spec.kind().id() + " " + spec.name() + ", " + shape + ")");
        return VoidboxCommand.EXIT_OK;
    }
}
