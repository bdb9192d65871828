package io.voidbox;

import java.net.URI;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Something a box's agent can use besides its tools: instructions (a {@code SKILL.md} from a file,
 * inline text or GitHub) installed under the workspace's {@code .claude/skills/}, a program the box
 * must have, or a skill the prompt names. Typed so the engine installs each kind its own way and
 * a spec's {@code file:} or {@code remote:} is never mistaken for a name. (The agent CLI and MCP
 * servers are not skills here: they live in {@link AgentOptions}.)
 */
public sealed interface Skill {

    /** The name of the skill's directory under {@code .claude/skills/} (or the name the prompt uses). */
    String name();

    /**
     * A skill the agent is asked to apply by name (listed in the prompt); nothing is installed.
     *
     * @param name the skill's name as written
     */
    record Named(String name) implements Skill {
        public Named {
            Objects.requireNonNull(name, "name");
        }
    }

    /**
     * A {@code SKILL.md} file (installed as {@code .claude/skills/<file stem>/SKILL.md}) or a skill
     * directory (copied whole) on the host. Checked when the box starts: a path that does not exist
     * fails the box.
     *
     * @param path absolute when the spec found it, else as written
     */
    record Local(Path path) implements Skill {
        public Local {
            Objects.requireNonNull(path, "path");
        }

        @Override
        public String name() {
            Path file = path.getFileName();
            String n = file == null ? "skill" : file.toString();
            return n.endsWith(".md") ? n.substring(0, n.length() - 3) : n;
        }
    }

    /**
     * {@code SKILL.md} content given in the spec itself.
     *
     * @param name    the skill directory's name
     * @param content the markdown
     */
    record Inline(String name, String content) implements Skill {
        public Inline {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(content, "content");
        }
    }

    /**
     * A program that must exist in the box ({@code cli:NAME}); checked with {@code command -v}
     * before the agent starts, so a missing tool fails the box up front instead of mid-run.
     *
     * @param command the program's name or path inside the box
     */
    record Cli(String command) implements Skill {
        public Cli {
            Objects.requireNonNull(command, "command");
        }

        @Override
        public String name() {
            return command;
        }
    }

    /**
     * A {@code SKILL.md} on GitHub ({@code remote:owner/repo[/skill]}, the skills.sh naming),
     * fetched over HTTPS when the box starts: {@code <base>/owner/repo/main/skills/skill/SKILL.md},
     * or {@code <base>/owner/repo/main/SKILL.md} without a skill.
     *
     * @param owner the GitHub owner
     * @param repo  the repository
     * @param skill the skill's directory under {@code skills/} (may contain {@code /}); empty: the
     *              repository's own {@code SKILL.md}
     */
    record Remote(String owner, String repo, Optional<String> skill) implements Skill {
        /** Where GitHub serves raw file content. */
        public static final URI GITHUB_RAW = URI.create("https://raw.githubusercontent.com/");

        private static final Pattern SEGMENT = Pattern.compile("[A-Za-z0-9_.-]+");

        public Remote {
            Objects.requireNonNull(owner, "owner");
            Objects.requireNonNull(repo, "repo");
            Objects.requireNonNull(skill, "skill");
            String id = owner + "/" + repo + skill.map(s -> "/" + s).orElse("");
            for (String segment : id.split("/", -1))
                if (!SEGMENT.matcher(segment).matches() || segment.equals("..") || segment.equals("."))
                    throw new IllegalArgumentException("remote skill '" + id
                            + "': expected owner/repo[/skill] with segments of " + SEGMENT.pattern());
        }

        /** {@code owner/repo[/skill]} ({@code remote:} and the rest of the spec's string). */
        public static Remote parse(String id) {
            String[] parts = id.split("/", 3);
            if (parts.length < 2)
                throw new IllegalArgumentException("remote skill '" + id + "': expected owner/repo[/skill]");
            return new Remote(parts[0], parts[1], parts.length == 3 ? Optional.of(parts[2]) : Optional.empty());
        }

        public String id() {
            return owner + "/" + repo + skill.map(s -> "/" + s).orElse("");
        }

        @Override
        public String name() {
            String last = skill.orElse(repo);
            return last.substring(last.lastIndexOf('/') + 1);
        }

        /** The {@code SKILL.md} URL below {@code base} (normally {@link #GITHUB_RAW}). */
        public URI url(URI base) {
            String root = base.toString().endsWith("/") ? base.toString() : base + "/";
            return URI.create(root + owner + "/" + repo + "/main/"
                    + skill.map(s -> "skills/" + s + "/").orElse("") + "SKILL.md");
        }
    }

    /**
     * The Java API's plain string: a path to a file or directory when it contains {@code /} or ends
     * in {@code .md}, else a skill name.
     */
    static Skill of(String s) {
        return s.contains("/") || s.endsWith(".md") ? new Local(Path.of(s)) : new Named(s);
    }
}
