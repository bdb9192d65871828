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
 * @param agent which agent CLI runs, with its limits, tool policy and MCP servers
 */
public record Box(
        String name,
        String prompt,
        List<String> skills,
        AgentOptions agent,
        LlmConfig llm,
        SandboxOptions sandbox,
        Duration timeout,
        Optional<String> outputFile) {

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
        Objects.requireNonNull(outputFile, "outputFile");
        if (timeout.isNegative() || timeout.isZero())
            throw new IllegalArgumentException("box " + name + ": timeout must be positive");
        if (timeout.compareTo(MAX_TIMEOUT) > 0)
            throw new IllegalArgumentException("box " + name + ": timeout must be at most " + MAX_TIMEOUT);
    }

    public static Builder named(String name) {
        return new Builder(name);
    }

    /** Mutable builder; {@link #build()} validates. */
    public static final class Builder {
        private final String name;
        private String prompt;
        private final List<String> skills = new ArrayList<>();
        private AgentOptions agent = AgentOptions.DEFAULTS;
        private LlmConfig llm = LlmConfig.auto();
        private SandboxOptions sandbox = SandboxOptions.defaults();
        private Duration timeout = DEFAULT_TIMEOUT;
        private String outputFile;

        private Builder(String name) {
            this.name = name;
        }

        public Builder prompt(String p) {
            this.prompt = p;
            return this;
        }

        public Builder skill(String s) {
            skills.add(s);
            return this;
        }

        public Builder skills(List<String> s) {
            skills.addAll(s);
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

        public Box build() {
            if (prompt == null || prompt.isBlank())
                throw new IllegalArgumentException("box " + name + ": prompt is required");
            return new Box(name, prompt, skills, agent, llm, sandbox, timeout, Optional.ofNullable(outputFile));
        }
    }
}
