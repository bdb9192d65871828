package io.voidbox.cli;

import io.voidbox.agent.claude.ClaudeCodeInstaller;
import io.voidbox.agent.codex.CodexInstaller;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Prints the versions that matter when reporting a problem. */
@Command(name = "version", description = "Print voidbox, Java and the pinned agent CLIs' versions.")
final class VersionCommand implements Callable<Integer> {
    static String version() {
        String v = VersionCommand.class.getPackage().getImplementationVersion();
        return v == null ? "0.1.0-SNAPSHOT" : v;
    }

    @Override
    public Integer call() {
        for (String line : lines()) System.out.println(line);
        return 0;
    }

    /** The lines {@code voidbox version} prints. */
    static String[] lines() {
        return new String[] {
            "voidbox " + version(),
            "java " + Runtime.version(),
            "claude-code " + ClaudeCodeInstaller.VERSION + " (pinned)",
            "codex " + CodexInstaller.VERSION + " (pinned)"
        };
    }

    static final class Provider implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return lines();
        }
    }
}
