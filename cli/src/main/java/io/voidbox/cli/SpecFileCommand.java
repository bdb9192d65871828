package io.voidbox.cli;

import io.voidbox.spec.Spec;
import io.voidbox.spec.SpecException;
import io.voidbox.spec.SpecLoader;
import io.voidbox.spec.UserConfig;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * A command about one spec file ({@code -f FILE}): the one place a spec is loaded with the user
 * configuration under it, and a bad one reported (its message on stderr, exit 2), so that every
 * such command reads and refuses a spec alike.
 */
abstract class SpecFileCommand implements Callable<Integer> {
    @ParentCommand
    VoidboxCommand parent;

    @Option(
            names = {"-f", "--file"},
            required = true,
            description = "Spec file (YAML or JSON).")
    Path file;

    /** The user configuration the spec was loaded with (set before {@link #run}). */
    Optional<UserConfig> config = Optional.empty();

    /** Does the command's work with the spec loaded. */
    abstract int run(Spec spec);

    /** The environment whose {@code VOIDBOX_LLM_*} overrides apply: none, but for a command that runs the spec. */
    Map<String, String> llmOverrides() {
        return Map.of();
    }

    @Override
    public Integer call() {
        Spec spec;
        try {
            config = parent.userConfig();
            spec = SpecLoader.loadSpec(file, config, llmOverrides());
        } catch (SpecException e) {
            System.err.println(e.getMessage());
            return VoidboxCommand.EXIT_BAD_INPUT;
        }
        return run(spec);
    }
}
