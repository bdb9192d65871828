package io.voidbox.cli;

import io.voidbox.spec.Spec;
import io.voidbox.spec.SpecException;
import io.voidbox.spec.SpecLoader;
import io.voidbox.spec.UserConfig;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * Shows a spec as the runtime will run it: validated, with the user configuration under it and
 * every default filled in, as YAML (or JSON with {@code --output json}).
 */
@Command(
        name = "inspect",
        description = "Show the resolved spec with every default (YAML, or JSON with --output json).")
final class InspectCommand implements Callable<Integer> {
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
            Optional<UserConfig> config = parent.userConfig();
            Spec spec = SpecLoader.loadSpec(file, config);
            System.out.println(SpecView.render(SpecView.of(spec, config), parent.output));
            return VoidboxCommand.EXIT_OK;
        } catch (SpecException e) {
            System.err.println(e.getMessage());
            return VoidboxCommand.EXIT_BAD_INPUT;
        }
    }
}
