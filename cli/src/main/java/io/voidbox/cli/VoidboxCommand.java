package io.voidbox.cli;

import io.voidbox.spec.SpecException;
import io.voidbox.spec.UserConfig;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/** {@code voidbox}: run agent pipelines in micro-VMs. Exit codes: 0 ok, 1 failed run, 2 bad input. */
@Command(
        name = "voidbox",
        mixinStandardHelpOptions = true,
        scope = ScopeType.INHERIT, // -h/--help (and -V) on every subcommand: `voidbox run --help`
        versionProvider = VersionCommand.Provider.class,
        description =
                "Run AI coding agents as pipelines of stages, each in its own micro-VM, and see everything they do.",
        subcommands = {
            RunCommand.class,
            ValidateCommand.class,
            InspectCommand.class,
            SkillsCommand.class,
            ConfigCommand.class,
            TraceCommand.class,
            DoctorCommand.class,
            ImageCommand.class,
            SnapshotCommand.class,
            VersionCommand.class,
            CommandLine.HelpCommand.class
        })
public final class VoidboxCommand extends CommandGroup {
    /** The environment the run reads (API keys, OTLP settings); the process environment unless a test passes one. */
    final Map<String, String> environment;

    /** How results go to stdout: for people, or one JSON document for programs. */
    enum Output {
        HUMAN,
        JSON
    }

    @Option(
            names = "--output",
            scope = ScopeType.INHERIT,
            paramLabel = "FORMAT",
            description = "human (default; YAML for inspect) or json: the result on stdout as one JSON document.")
    Output output = Output.HUMAN;

    @Option(
            names = "--log-level",
            scope = ScopeType.INHERIT,
            paramLabel = "LEVEL",
            description = "Library logging on stderr: error, warn (default), info, debug, trace or off. "
                    + "Else VOIDBOX_LOG_LEVEL, else log_level of the user configuration.")
    String logLevel;

    @Option(
            names = "--log-dir",
            scope = ScopeType.INHERIT,
            paramLabel = "DIR",
            description = "run also writes every box's lines to DIR/<run id>/<box>.log. "
                    + "Else VOIDBOX_LOG_DIR, else paths.log_dir of the user configuration.")
    Path logDir;

    private Optional<UserConfig> userConfig;

    VoidboxCommand(Map<String, String> environment) {
        this.environment = Map.copyOf(environment);
    }

    static final int EXIT_OK = 0;
    static final int EXIT_FAILED = 1;
    static final int EXIT_BAD_INPUT = 2;

    /** The SLF4J simple logger level when nothing else says otherwise (as in simplelogger.properties). */
    static final String DEFAULT_LOG_LEVEL = "warn";

    public static void main(String[] args) {
        if (args.length == 1 && VERSION_ARGS.contains(args[0])) {
            // answered before picocli builds its command model: picocli's classes are Java 5 bytecode, which
            // the CLI's AOT cache cannot hold, so loading them is most of a plain `voidbox version` (bench/README.md)
            for (String line : VersionCommand.lines()) System.out.println(line);
            System.exit(EXIT_OK);
        }
        System.exit(execute(args));
    }

    /** What prints the versions alone: the command and picocli's standard option. */
    private static final Set<String> VERSION_ARGS = Set.of("version", "--version", "-V");

    static int execute(String... args) {
        return execute(System.getenv(), args);
    }

    static int execute(Map<String, String> environment, String... args) {
        VoidboxCommand command = new VoidboxCommand(environment);
        CommandLine cl = new CommandLine(command);
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.setExitCodeExceptionMapper(e -> EXIT_BAD_INPUT);
        cl.setParameterExceptionHandler((ex, a) -> {
            ex.getCommandLine().getErr().println("voidbox: " + ex.getMessage());
            ex.getCommandLine().usage(ex.getCommandLine().getErr());
            return EXIT_BAD_INPUT;
        });
        cl.setExecutionStrategy(parsed -> {
            // before any command runs (and creates loggers): the level is read when a logger is made
            Optional<String> bad = command.applyLogLevel();
            if (bad.isPresent()) {
                System.err.println("voidbox: " + bad.get());
                return EXIT_BAD_INPUT;
            }
            return new CommandLine.RunLast().execute(parsed);
        });
        return cl.execute(args);
    }

    /**
     * The user's configuration ({@link UserConfig#defaultFile}), read once; empty when there is
     * none. A broken one is an error for the commands that use it.
     */
    Optional<UserConfig> userConfig() throws SpecException {
        if (userConfig == null) userConfig = UserConfig.loadDefault(environment);
        return userConfig;
    }

    /** The log level: {@code --log-level}, else {@code VOIDBOX_LOG_LEVEL}, else the configuration's. */
    String effectiveLogLevel() {
        return effectiveLogLevel(configQuietly());
    }

    /** The same, with {@code config} as the configuration. */
    String effectiveLogLevel(Optional<UserConfig> config) {
        if (logLevel != null) return logLevel.toLowerCase(Locale.ROOT);
        String env = environment.get("VOIDBOX_LOG_LEVEL");
        if (env != null && !env.isBlank()) return env.strip().toLowerCase(Locale.ROOT);
        return config.flatMap(UserConfig::logLevel).orElse(DEFAULT_LOG_LEVEL);
    }

    /** Where box logs go as files: {@code --log-dir}, else {@code VOIDBOX_LOG_DIR}, else the configuration's. */
    Optional<Path> effectiveLogDir() {
        return effectiveLogDir(configQuietly());
    }

    /** The same, with {@code config} as the configuration. */
    Optional<Path> effectiveLogDir(Optional<UserConfig> config) {
        if (logDir != null) return Optional.of(logDir);
        String env = environment.get("VOIDBOX_LOG_DIR");
        if (env != null && !env.isBlank()) return Optional.of(Path.of(env.strip()));
        return config.flatMap(UserConfig::logDir);
    }

    private Optional<UserConfig> configQuietly() {
        try {
            return userConfig();
        } catch (SpecException e) {
            return Optional.empty(); // reported by the command that needs the configuration
        }
    }

    /** Sets the SLF4J simple logger's default level; a message when the level is not one. */
    private Optional<String> applyLogLevel() {
        String level = effectiveLogLevel();
        if (!UserConfig.LOG_LEVELS.contains(level))
            return Optional.of(
                    "--log-level must be one of " + String.join(", ", UserConfig.LOG_LEVELS) + ", was '" + level + "'");
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", level);
        return Optional.empty();
    }
}
