package io.voidbox.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.voidbox.SandboxOptions;
import io.voidbox.spec.SpecException;
import io.voidbox.spec.UserConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** The user configuration ({@link UserConfig}): write a template, or check it and show what applies. */
@Command(
        name = "config",
        description = "Your defaults under every spec, in ~/.config/voidbox/config.yaml ($XDG_CONFIG_HOME honoured).",
        subcommands = {ConfigCommand.Init.class, ConfigCommand.Validate.class})
final class ConfigCommand extends CommandGroup {
    @ParentCommand
    VoidboxCommand parent;

    @Command(name = "init", description = "Write a commented template configuration (never over an existing one).")
    static final class Init implements Callable<Integer> {
        @ParentCommand
        ConfigCommand config;

        @Option(names = "--force", description = "Replace an existing configuration.")
        boolean force;

        @Override
        public Integer call() {
            Path file = UserConfig.defaultFile(config.parent.environment);
            if (Files.exists(file) && !force) {
                System.err.println("voidbox: " + file + " already exists (check it with 'voidbox config validate',"
                        + " or replace it with --force)");
                return VoidboxCommand.EXIT_BAD_INPUT;
            }
            try {
                Files.createDirectories(file.getParent());
                Files.writeString(file, UserConfig.template());
            } catch (IOException e) {
                System.err.println("voidbox: cannot write " + file + ": " + e.getMessage());
                return VoidboxCommand.EXIT_BAD_INPUT;
            }
            System.out.println("wrote " + file);
            return VoidboxCommand.EXIT_OK;
        }
    }

    @Command(
            name = "validate",
            description = "Check the configuration (every error with its line) and show the settings that apply.")
    static final class Validate implements Callable<Integer> {
        @ParentCommand
        ConfigCommand config;

        @Option(
                names = {"-f", "--file"},
                description = "The configuration to check (default: the user configuration).")
        Path file;

        @Override
        public Integer call() {
            VoidboxCommand top = config.parent;
            Path path = file != null ? file : UserConfig.defaultFile(top.environment);
            UserConfig loaded = null;
            if (file != null || Files.exists(path)) {
                try {
                    loaded = file != null
                            ? UserConfig.load(file)
                            : top.userConfig().orElse(null);
                } catch (SpecException e) {
                    System.err.println(e.getMessage());
                    return VoidboxCommand.EXIT_BAD_INPUT;
                }
            }
            Optional<UserConfig> applied = Optional.ofNullable(loaded);
            ObjectNode o = SpecView.object();
            o.put("file", path.toString());
            o.put("exists", loaded != null);
            // what applies: flags and environment over the configuration over the built-in defaults
            o.put("log_level", top.effectiveLogLevel(applied));
            o.put("log_dir", top.effectiveLogDir(applied).map(Path::toString).orElse(null));
            ObjectNode sandbox = (ObjectNode) SpecView.tree(SandboxOptions.defaults());
            sandbox.remove("env");
            sandbox.remove("mounts");
            applied.ifPresent(c -> c.sandbox().forEach((k, v) -> sandbox.set(k, scalar(v))));
            o.set("sandbox", sandbox);
            ObjectNode llm = o.putObject("llm");
            applied.ifPresent(c -> c.llm().forEach(llm::put));
            System.out.println(SpecView.render(o, top.output));
            return VoidboxCommand.EXIT_OK;
        }

        /** A configuration value as written, typed again (numbers and booleans) for the output. */
        private static JsonNode scalar(String v) {
            if (v.equals("true") || v.equals("false")) return BooleanNode.valueOf(Boolean.parseBoolean(v));
            if (v.matches("-?[0-9]+")) return LongNode.valueOf(Long.parseLong(v));
            return TextNode.valueOf(v);
        }
    }
}
