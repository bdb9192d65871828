package io.voidbox.spec.internal;

import io.voidbox.AgentOptions.Runner;
import io.voidbox.McpServer;
import io.voidbox.Skill;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Reads a box's {@code skills} list, ours and VoidBox's spellings: a path or a name;
 * {@code agent:claude-code|codex} (which agent runs), {@code file:PATH}, {@code remote:owner/repo[/skill]},
 * {@code cli:NAME}, {@code mcp:NAME}; mappings {@code {content: ..., name: ...}} (inline
 * {@code SKILL.md}), {@code {mcp: {name, command, args, env}}} or VoidBox's flat
 * {@code {command, args, env}} (an MCP server), and {@code {image, mount}} (OCI, not supported yet).
 */
final class SkillEntries {
    static final Pattern MCP_NAME = Pattern.compile("[A-Za-z0-9_-]+");
    static final Pattern INLINE_NAME = Fields.NAME;
    private static final Pattern PROGRAM = Pattern.compile("\\S+");
    private static final List<String> PREFIXES = List.of("agent", "file", "remote", "cli", "mcp");
    private static final List<String> INLINE_FIELDS = List.of("content", "name");
    private static final List<String> MCP_WRAPPER_FIELDS = List.of("mcp");
    private static final List<String> MCP_FIELDS = List.of("name", "command", "args", "env");
    private static final List<String> OCI_FIELDS = List.of("image", "mount", "readonly");

    /** Where a declaration is, for errors found once the box is resolved. */
    record At(String path, Node.Loc loc) {}

    /**
     * A box's skills as declared.
     *
     * @param skills  what the engine installs or names
     * @param runner  the agent an {@code agent:} skill selects, with where it was said
     * @param mcp     the MCP servers, in order
     * @param remotes where each {@code remote:} skill was declared (they need the box's network)
     */
    record Decl(List<Skill> skills, Optional<Map.Entry<Runner, At>> runner, List<McpServer> mcp, List<At> remotes) {
        static final Decl NONE = new Decl(List.of(), Optional.empty(), List.of(), List.of());
    }

    private final Errors errors;
    private final Path baseDir;

    SkillEntries(Errors errors, Path baseDir) {
        this.errors = errors;
        this.baseDir = baseDir;
    }

    Decl read(Fields owner) {
        Optional<Node.ListNode> list = owner.list("skills", false);
        if (list.isEmpty()) return Decl.NONE;
        List<Skill> skills = new ArrayList<>();
        List<McpServer> mcp = new ArrayList<>();
        List<At> remotes = new ArrayList<>();
        Map.Entry<Runner, At> runner = null;
        Map<String, String> mcpNames = new LinkedHashMap<>();
        List<Node> items = list.get().items();
        for (int i = 0; i < items.size(); i++) {
            Node item = items.get(i);
            String path = Errors.index(owner.pathOf("skills"), i);
            At at = new At(path, item.loc());
            switch (item) {
                case Node.Scalar s
                when s.type() == Node.ScalarType.STRING -> {
                    String text = s.text().strip();
                    if (text.isEmpty()) {
                        errors.add(path, "must not be empty", s.loc());
                        continue;
                    }
                    int colon = text.indexOf(':');
                    String prefix = colon > 0 ? text.substring(0, colon) : "";
                    String rest = colon > 0 ? text.substring(colon + 1).strip() : text;
                    boolean typed = colon > 0 && !prefix.contains("/");
                    if (typed && !PREFIXES.contains(prefix)) {
                        errors.add(
                                path,
                                "unknown skill type '" + prefix + "' (expected agent:, file:, remote:, cli:, mcp:,"
                                        + " a path or a skill name)",
                                s.loc());
                        continue;
                    }
                    if (typed && rest.isEmpty()) {
                        errors.add(path, "missing the value after '" + prefix + ":'", s.loc());
                        continue;
                    }
                    switch (typed ? prefix : "") {
                        case "agent" -> {
                            Optional<Runner> r = runner(rest, at);
                            if (r.isEmpty()) continue;
                            if (runner != null && runner.getKey() != r.get()) {
                                errors.add(
                                        path,
                                        "a box runs one agent: agent:" + r.get().id() + " contradicts agent:"
                                                + runner.getKey().id() + " at "
                                                + runner.getValue().path(),
                                        s.loc());
                                continue;
                            }
                            runner = Map.entry(r.get(), at);
                        }
                        case "file" -> file(rest, at).ifPresent(skills::add);
                        case "remote" -> {
                            try {
                                skills.add(Skill.Remote.parse(rest));
                                remotes.add(at);
                            } catch (IllegalArgumentException e) {
                                errors.add(path, e.getMessage(), s.loc());
                            }
                        }
                        case "cli" -> {
                            if (PROGRAM.matcher(rest).matches()) skills.add(new Skill.Cli(rest));
                            else errors.add(path, "cli:NAME must name one program, got '" + rest + "'", s.loc());
                        }
                        case "mcp" -> {
                            if (MCP_NAME.matcher(rest).matches())
                                addMcp(new McpServer(rest, rest, List.of(), Map.of()), at, mcp, mcpNames);
                            else
                                errors.add(
                                        path,
                                        "mcp:NAME must match " + MCP_NAME.pattern()
                                                + " (use {mcp: {name, command, args}} for other commands)",
                                        s.loc());
                        }
                        default -> skills.add(plain(text));
                    }
                }
                case Node.MapNode map -> mapping(map, path, i, skills, mcp, mcpNames);
                case Node.Invalid invalid -> {}
                default ->
                    errors.add(
                            path,
                            "expected a skill string or a mapping (content, mcp or image), got " + Node.describe(item),
                            item.loc());
            }
        }
        return new Decl(List.copyOf(skills), Optional.ofNullable(runner), List.copyOf(mcp), List.copyOf(remotes));
    }

    private Optional<Runner> runner(String id, At at) {
        for (Runner r : Runner.values()) if (r.id().equals(id)) return Optional.of(r);
        errors.add(at.path(), "unknown agent '" + id + "' (expected agent:claude-code or agent:codex)", at.loc());
        return Optional.empty();
    }

    /** {@code file:PATH}: a SKILL.md; relative to the spec's directory, else (VoidBox's way) the working directory. */
    private Optional<Skill> file(String rest, At at) {
        try {
            Path written = Path.of(rest);
            for (Path candidate : List.of(baseDir.resolve(written), written.toAbsolutePath()))
                if (Files.exists(candidate)) return Optional.of(new Skill.Local(candidate.normalize()));
            // not here now: the box fails with a clear error when it starts (the file may appear by then)
            return Optional.of(new Skill.Local(written));
        } catch (InvalidPathException e) {
            errors.add(at.path(), "invalid path '" + rest + "'", at.loc());
            return Optional.empty();
        }
    }

    /** Our plain strings: an existing path (relative to the spec) is a file or directory, anything else {@link Skill#of}. */
    private Skill plain(String text) {
        try {
            Path p = baseDir.resolve(text);
            if (Files.exists(p)) return new Skill.Local(p.toAbsolutePath().normalize());
        } catch (InvalidPathException e) {
            // not a path on this system: a skill name
        }
        return Skill.of(text);
    }

    private void mapping(
            Node.MapNode map,
            String path,
            int index,
            List<Skill> skills,
            List<McpServer> mcp,
            Map<String, String> names) {
        At at = new At(path, map.loc());
        if (map.fields().containsKey("image") || map.fields().containsKey("mount")) {
            Fields.of(map, path, errors, OCI_FIELDS);
            NotYet.report(errors, path, NotYet.OCI_SKILL, map.loc());
        } else if (map.fields().containsKey("content")) {
            Fields f = Fields.of(map, path, errors, INLINE_FIELDS).orElseThrow();
            Optional<String> content = f.text("content", true);
            Optional<String> name = f.name("name", false);
            if (content.isPresent() && (name.isPresent() || f.absent("name")))
                skills.add(new Skill.Inline(name.orElse("inline-" + (index + 1)), content.get()));
        } else if (map.fields().containsKey("mcp")) {
            Fields wrapper = Fields.of(map, path, errors, MCP_WRAPPER_FIELDS).orElseThrow();
            wrapper.value("mcp")
                    .flatMap(n -> Fields.of(n, wrapper.pathOf("mcp"), errors, MCP_FIELDS))
                    .flatMap(this::mcpServer)
                    .ifPresent(server -> addMcp(server, at, mcp, names));
        } else if (map.fields().containsKey("command")) {
            Fields.of(map, path, errors, MCP_FIELDS)
                    .flatMap(this::mcpServer)
                    .ifPresent(server -> addMcp(server, at, mcp, names));
        } else {
            errors.add(
                    path,
                    "expected a skill mapping with 'content' (inline SKILL.md), 'mcp' or 'command' (an MCP server)"
                            + " or 'image' (OCI)",
                    map.loc());
        }
    }

    private Optional<McpServer> mcpServer(Fields f) {
        Optional<String> command = f.text("command", true);
        Optional<String> name = f.text("name", false);
        List<String> args = f.strings("args").orElse(List.of());
        Map<String, String> env = SandboxBlock.env(f, errors);
        if (command.isEmpty()) return Optional.empty();
        String derived = name.orElseGet(() -> {
            String c = command.get().strip();
            return c.substring(c.lastIndexOf('/') + 1);
        });
        if (!MCP_NAME.matcher(derived).matches()) {
            errors.add(
                    f.pathOf(name.isPresent() ? "name" : "command"),
                    "an MCP server name must match " + MCP_NAME.pattern() + " (its tools are mcp__<name>__<tool>)"
                            + (name.isPresent() ? "" : ": set 'name'"),
                    f.locOf(name.isPresent() ? "name" : "command"));
            return Optional.empty();
        }
        return Optional.of(new McpServer(derived, command.get(), args, env));
    }

    private void addMcp(McpServer server, At at, List<McpServer> mcp, Map<String, String> names) {
        String previous = names.putIfAbsent(server.name(), at.path());
        if (previous != null) {
            errors.add(
                    at.path(), "duplicate MCP server name '" + server.name() + "' (also " + previous + ")", at.loc());
            return;
        }
        mcp.add(server);
    }
}
