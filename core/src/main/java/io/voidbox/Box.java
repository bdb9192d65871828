package io.voidbox;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * One stage's unit of work: an agent run on a prompt, with skills, in its own sandbox. The name
 * is the {@code [vm:NAME]} of every log line and the {@code stage:NAME} span.
 *
 * @param skills instructions installed for the agent, programs the box must have, named skills
 * @param agent  which agent CLI runs, with its limits, tool policy and MCP servers
 * @param files  the output file and the named directories handed to and taken from other boxes
 */
public record Box(
        String name,
        String prompt,
        List<Skill> skills,
        AgentOptions agent,
        LlmConfig llm,
        SandboxOptions sandbox,
        Duration timeout,
        BoxFiles files) {

    /** The timeout of a box that does not set one. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(10);
    /** The longest a box may run. */
    public static final Duration MAX_TIMEOUT = Duration.ofDays(1);

    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9_-]*");

    public Box {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(prompt, "prompt");
        if (!NAME.matcher(name).matches())
            throw new IllegalArgumentException("box name '" + name + "' must match " + NAME);
        skills = List.copyOf(skills);
        Objects.requireNonNull(agent, "agent");
        Objects.requireNonNull(llm, "llm");
        Objects.requireNonNull(sandbox, "sandbox");
        Objects.requireNonNull(files, "files");
        if (timeout.isNegative() || timeout.isZero())
            throw new IllegalArgumentException("box " + name + ": timeout must be positive");
        if (timeout.compareTo(MAX_TIMEOUT) > 0)
            throw new IllegalArgumentException("box " + name + ": timeout must be at most " + MAX_TIMEOUT);
    }

    /** A box that hands on an output file at most (no named directories). */
    public Box(
            String name,
            String prompt,
            List<Skill> skills,
            AgentOptions agent,
            LlmConfig llm,
            SandboxOptions sandbox,
            Duration timeout,
            Optional<String> outputFile) {
        this(name, prompt, skills, agent, llm, sandbox, timeout, BoxFiles.NONE.withOutputFile(outputFile));
    }

    /** The file (relative to the workspace) whose content is this box's output; empty: the agent's final text. */
    public Optional<String> outputFile() {
        return files.outputFile();
    }

    public static Builder named(String name) {
        return new Builder(name);
    }

    /** Mutable builder; {@link #build()} validates. */
    public static final class Builder {
        private final String name;
        private String prompt;
        private final List<Skill> skills = new ArrayList<>();
        private AgentOptions agent = AgentOptions.DEFAULTS;
        private LlmConfig llm = LlmConfig.auto();
        private SandboxOptions sandbox = SandboxOptions.defaults();
        private Duration timeout = DEFAULT_TIMEOUT;
        private String outputFile;
        private final List<BoxFiles.Output> outputs = new ArrayList<>();
        private final List<BoxFiles.Input> inputs = new ArrayList<>();

        private Builder(String name) {
            this.name = name;
        }

        public Builder prompt(String p) {
            this.prompt = p;
            return this;
        }

        /** A skill file or directory (contains {@code /} or ends in {@code .md}) or a skill name. */
        public Builder skill(String s) {
            skills.add(Skill.of(s));
            return this;
        }

        public Builder skill(Skill s) {
            skills.add(s);
            return this;
        }

        /** Several {@link #skill(String)}. */
        public Builder skills(List<String> s) {
            s.forEach(this::skill);
            return this;
        }

        public Builder agent(AgentOptions a) {
            this.agent = a;
            return this;
        }

        public Builder llm(LlmConfig l) {
            this.llm = l;
            return this;
        }

        public Builder sandbox(SandboxOptions s) {
            this.sandbox = s;
            return this;
        }

        public Builder timeout(Duration t) {
            this.timeout = t;
            return this;
        }

        public Builder outputFile(String f) {
            this.outputFile = f;
            return this;
        }

        /** Hands the directory {@code guest} on to later boxes under {@code name}. */
        public Builder output(String name, String guest) {
            outputs.add(new BoxFiles.Output(name, guest));
            return this;
        }

        /** Takes the output {@code from} of an earlier box, copied to {@code guest}. */
        public Builder input(String from, String guest) {
            inputs.add(new BoxFiles.Input(from, guest));
            return this;
        }

        public Box build() {
            if (prompt == null || prompt.isBlank())
                throw new IllegalArgumentException("box " + name + ": prompt is required");
            return new Box(
                    name,
                    prompt,
                    skills,
                    agent,
                    llm,
                    sandbox,
                    timeout,
                    new BoxFiles(Optional.ofNullable(outputFile), outputs, inputs));
        }
    }
}
