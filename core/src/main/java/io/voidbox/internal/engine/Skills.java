package io.voidbox.internal.engine;

import io.voidbox.Box;
import io.voidbox.SandboxOptions;
import io.voidbox.Skill;
import io.voidbox.spi.BoxScope;
import io.voidbox.spi.ExecResult;
import io.voidbox.spi.ExecSpec;
import io.voidbox.spi.OutputSink;
import io.voidbox.spi.Sandbox;
import io.voidbox.spi.SandboxException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Installs a box's skills before its agent starts: {@code SKILL.md} files, directories, inline
 * text and GitHub skills go to {@code .claude/skills/<name>/} in the workspace, required programs
 * are checked with {@code command -v} inside the box, and named skills are returned for the
 * prompt. A skill that cannot be installed fails the box before the agent spends anything.
 */
final class Skills {
    static final Duration CLI_CHECK_TIMEOUT = Duration.ofSeconds(30);

    private final RemoteSkills remote;

    Skills(RemoteSkills remote) {
        this.remote = remote;
    }

    /** Installs every skill of {@code box}; returns the names the prompt should list. */
    List<String> install(Box box, Sandbox sandbox, BoxScope scope)
            throws IOException, InterruptedException, SandboxException {
        List<String> named = new ArrayList<>();
        for (Skill skill : box.skills()) {
            switch (skill) {
                case Skill.Named n -> named.add(n.name());
                case Skill.Local l -> installLocal(box, l, sandbox);
                case Skill.Inline i -> write(sandbox, i.name(), i.content().getBytes(StandardCharsets.UTF_8));
                case Skill.Remote r -> {
                    if (box.sandbox().network().mode() == SandboxOptions.Network.Mode.OFF)
                        throw new SandboxException("remote skill " + r.id() + " of box " + box.name()
                                + ": the box has no network (sandbox.network is off)");
                    write(sandbox, r.name(), remote.fetch(r));
                    scope.line("runtime", "skill " + r.name() + " fetched from " + remote.url(r));
                }
                case Skill.Cli c -> requireProgram(box, c, sandbox);
            }
        }
        return named;
    }

    private static void installLocal(Box box, Skill.Local skill, Sandbox sandbox) throws IOException {
        Path p = skill.path();
        if (Files.isDirectory(p)) {
            try (Stream<Path> files = Files.walk(p)) {
                for (Path f : files.filter(Files::isRegularFile).toList())
                    sandbox.writeFile(
                            ".claude/skills/" + p.getFileName() + "/" + p.relativize(f), Files.readAllBytes(f));
            }
        } else if (Files.isRegularFile(p)) {
            write(sandbox, skill.name(), Files.readAllBytes(p));
        } else {
            throw new IOException("skill '" + p + "' of box " + box.name() + " does not exist");
        }
    }

    private static void write(Sandbox sandbox, String name, byte[] content) throws IOException {
        sandbox.writeFile(".claude/skills/" + name + "/SKILL.md", content);
    }

    /** {@code command -v} inside the box, so the check sees the box's own PATH and files. */
    private static void requireProgram(Box box, Skill.Cli skill, Sandbox sandbox)
            throws IOException, InterruptedException, SandboxException {
        StringBuilder err = new StringBuilder();
        ExecResult r = sandbox.exec(
                new ExecSpec(
                        List.of("sh", "-c", "command -v \"$1\"", "sh", skill.command()),
                        Map.of(),
                        null,
                        CLI_CHECK_TIMEOUT),
                new OutputSink() {
                    @Override
                    public void stdout(String line) {}

                    @Override
                    public void stderr(String line) {
                        if (err.length() < 500) err.append(line).append(' ');
                    }
                });
        if (r.timedOut() || r.exitCode() != 0)
            throw new SandboxException("box " + box.name() + " needs the program '" + skill.command()
                    + "' (skill cli:" + skill.command() + ") but it is not installed in the box"
                    + (r.timedOut() ? " (the check timed out)" : "")
                    + (err.isEmpty() ? "" : ": " + err.toString().strip()));
    }
}
