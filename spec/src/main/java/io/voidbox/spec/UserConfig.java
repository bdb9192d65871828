package io.voidbox.spec;

import io.voidbox.spec.internal.UserConfigResolver;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The user's own defaults, kept in {@code ~/.config/voidbox/config.yaml}
 * ({@code $XDG_CONFIG_HOME/voidbox/config.yaml} when that is set), so that settings every spec
 * would repeat (the backend, a model) are written once. It is the lowest layer: its
 * {@code sandbox} and {@code llm} values apply only where a spec's top level does not set them
 * (a box's own settings still override field by field), and an {@code llm} block whose
 * {@code provider} differs from the spec's is not applied at all. Validated as strictly as specs.
 *
 * <pre>{@code
 * log_level: warn            # error | warn | info | debug | trace | off: the command's library logging
 * paths:
 *   log_dir: ~/voidbox-logs  # run also writes every box's lines to LOG_DIR/<run id>/<box>.log
 * sandbox:                   # defaults for every spec's top-level sandbox
 *   backend: auto            # auto | vm | local
 *   accel: auto              # auto | kvm | tcg
 *   memory_mb: 1024
 *   vcpus: 1
 *   network: restricted
 *   telemetry_interval_ms: 1000
 * llm:                       # defaults for every spec's top-level llm
 *   provider: anthropic
 *   model: claude-sonnet-4-5
 *   base_url: https://...
 *   api_key_env: ANTHROPIC_API_KEY
 * }</pre>
 *
 * VoidBox's own config fields that this runtime has no use for yet ({@code daemon_url},
 * {@code banner}, {@code paths.state_dir}, {@code paths.snapshot_dir}, {@code paths.kernel},
 * {@code paths.initramfs}) are errors saying so, never silently ignored.
 *
 * @param file     where it was read from
 * @param logLevel the SLF4J level of the command line's logging
 * @param logDir   where {@code run} also writes each box's log lines ({@code paths.log_dir})
 * @param sandbox  the sandbox defaults as written (field name to value)
 * @param llm      the llm defaults as written (field name to value)
 * @param source   the file's text, from which the defaults are merged under a spec
 */
public record UserConfig(
        Path file,
        Optional<String> logLevel,
        Optional<Path> logDir,
        Map<String, String> sandbox,
        Map<String, String> llm,
        String source) {

    public UserConfig {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(logLevel, "logLevel");
        Objects.requireNonNull(logDir, "logDir");
        sandbox = Map.copyOf(sandbox);
        llm = Map.copyOf(llm);
        Objects.requireNonNull(source, "source");
    }

    /** The levels {@code log_level} (and the command's {@code --log-level}) accept. */
    public static final List<String> LOG_LEVELS = List.of("error", "warn", "info", "debug", "trace", "off");

    /**
     * Where the user's configuration lives: {@code $XDG_CONFIG_HOME/voidbox/config.yaml} when
     * that variable is an absolute path, else {@code $HOME/.config/voidbox/config.yaml}.
     */
    public static Path defaultFile(Map<String, String> env) {
        String xdg = env.get("XDG_CONFIG_HOME");
        Path base = xdg != null && !xdg.isBlank() && Path.of(xdg).isAbsolute()
                ? Path.of(xdg)
                : Path.of(env.getOrDefault("HOME", System.getProperty("user.home")), ".config");
        return base.resolve("voidbox").resolve("config.yaml");
    }

    /** The configuration at {@link #defaultFile}, or empty when there is none. */
    public static Optional<UserConfig> loadDefault(Map<String, String> env) throws SpecException {
        Path file = defaultFile(env);
        try {
            return Optional.of(load(file));
        } catch (SpecException e) {
            if (e.errors().getFirst().message().startsWith(NOT_FOUND)) return Optional.empty();
            throw e;
        }
    }

    /** Reads and validates a configuration file; every error names {@code file}, its line and column. */
    public static UserConfig load(Path file) throws SpecException {
        String display = file.toString();
        String content;
        try {
            content = SpecLoader.read(file.toAbsolutePath().normalize());
        } catch (NoSuchFileException e) {
            throw fileError(display, NOT_FOUND + file.toAbsolutePath().normalize());
        } catch (CharacterCodingException e) {
            throw fileError(display, "not valid UTF-8");
        } catch (IOException e) {
            throw fileError(display, "cannot read: " + e.getMessage());
        }
        return UserConfigResolver.resolve(
                content, display, file.toAbsolutePath().normalize());
    }

    /** What {@code voidbox config init} writes: every field, commented out where no default is assumed. */
    public static String template() {
        return """
                # VoidBox for Java: your defaults under every spec (a spec's own values win).
                # Checked by `voidbox config validate`; the fields are described in the README (Commands).
                log_level: warn            # error | warn | info | debug | trace | off
                # paths:
                #   log_dir: ~/voidbox-logs  # run also writes each box's lines to LOG_DIR/<run id>/<box>.log
                sandbox:
                  backend: auto            # auto | vm | local
                #  accel: auto              # auto | kvm | tcg
                #  memory_mb: 1024
                #  vcpus: 1
                #  network: restricted      # restricted | open | off (true = open, false = restricted)
                # llm:                       # applied only when a spec names no other provider
                #   provider: anthropic      # as llm.provider in a spec
                #   model: claude-sonnet-4-5
                #   api_key_env: ANTHROPIC_API_KEY
                """;
    }

    private static final String NOT_FOUND = "file not found: ";

    private static SpecException fileError(String display, String message) {
        return new SpecException(display, List.of(new SpecError("(file)", message, 0, 0)));
    }
}
