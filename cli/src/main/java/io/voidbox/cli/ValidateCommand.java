package io.voidbox.cli;

import io.voidbox.spec.PipelineSpec;
import io.voidbox.spec.SpecException;
import io.voidbox.spec.SpecLoader;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Checks a spec and reports every error with its path and line. */
@Command(name = "validate", description = "Check a pipeline or agent spec; report every error with its path and line.")
final class ValidateCommand implements Callable<Integer> {
    @Option(
            names = {"-f", "--file"},
            required = true,
            description = "Spec file (YAML or JSON).")
    Path file;

    @Override
    public Integer call() {
        try {
            PipelineSpec spec = SpecLoader.load(file);
            System.out.println(file + ": ok (" + spec.kind().name().toLowerCase() + " " + spec.name() + ", "
                    + spec.boxes().size() + " boxes, " + spec.stages().size() + " stages)");
            return VoidboxCommand.EXIT_OK;
        } catch (SpecException e) {
            System.err.println(e.getMessage());
            return VoidboxCommand.EXIT_BAD_INPUT;
        }
    }
}
