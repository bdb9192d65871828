package io.voidbox.spec;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * One box of a pipeline with its <em>effective</em> settings: the box's own {@code llm} and
 * {@code sandbox} blocks merged field by field over the top-level ones, then defaults applied.
 *
 * @param name       unique within the pipeline, {@code [a-z0-9][a-z0-9_-]*}
 * @param prompt     the task given to the agent (never empty)
 * @param skills     skill references as written: paths (relative to {@link PipelineSpec#baseDir()})
 *                   to skill files/directories, or inline skill names
 * @param llm        effective model settings
 * @param sandbox    effective sandbox settings
 * @param timeout    wall-clock limit of the box ({@code timeout_secs}, default 600 s)
 * @param outputFile workspace-relative file the box's output is read from (never absolute, no
 *                   {@code ..}); empty: the agent's final text is the output
 */
public record BoxSpec(
        String name,
        String prompt,
        List<String> skills,
        LlmSpec llm,
        SandboxSpec sandbox,
        Duration timeout,
        Optional<String> outputFile) {

    /** {@code timeout_secs} when absent. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(600);

    public BoxSpec {
        skills = List.copyOf(skills);
    }
}
