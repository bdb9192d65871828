package io.voidbox.cli;

import io.voidbox.spec.Spec;
import picocli.CommandLine.Command;

/**
 * Shows a spec as the runtime will run it: validated, with the user configuration under it and
 * every default filled in, as YAML (or JSON with {@code --output json}).
 */
@Command(
        name = "inspect",
        description = "Show the resolved spec with every default (YAML, or JSON with --output json).")
final class InspectCommand extends SpecFileCommand {
    @Override
    int run(Spec spec) {
        System.out.println(SpecView.render(SpecView.of(spec, config), parent.output));
        return VoidboxCommand.EXIT_OK;
    }
}
