package io.voidbox.cli;

import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code voidbox}: run agent pipelines in micro-VMs. Exit codes: 0 ok, 1 failed run, 2 bad input. */
@Command(
        name = "voidbox",
        mixinStandardHelpOptions = true,
        versionProvider = VersionCommand.Provider.class,
        description =
                "Run AI coding agents as pipelines of stages, each in its own micro-VM, and see everything they do.",
        subcommands = {
            RunCommand.class,
            ValidateCommand.class,
            TraceCommand.class,
            DoctorCommand.class,
            ImageCommand.class,
            VersionCommand.class,
            CommandLine.HelpCommand.class
        })
public final class VoidboxCommand implements Runnable {
    /** The environment the run reads (API keys, OTLP settings); the process environment unless a test passes one. */
    final Map<String, String> environment;

    VoidboxCommand(Map<String, String> environment) {
        this.environment = Map.copyOf(environment);
    }

    static final int EXIT_OK = 0;
    static final int EXIT_FAILED = 1;
    static final int EXIT_BAD_INPUT = 2;

    @Override
    public void run() {
        new CommandLine(this).usage(System.err);
    }

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    static int execute(String... args) {
        return execute(System.getenv(), args);
    }

    static int execute(Map<String, String> environment, String... args) {
        CommandLine cl = new CommandLine(new VoidboxCommand(environment));
        cl.setExitCodeExceptionMapper(e -> EXIT_BAD_INPUT);
        cl.setParameterExceptionHandler((ex, a) -> {
            ex.getCommandLine().getErr().println("voidbox: " + ex.getMessage());
            ex.getCommandLine().usage(ex.getCommandLine().getErr());
            return EXIT_BAD_INPUT;
        });
        return cl.execute(args);
    }
}
