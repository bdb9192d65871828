package io.voidbox.spec;

import io.voidbox.Box;
import io.voidbox.Pipeline;
import io.voidbox.SandboxOptions;
import io.voidbox.Stage;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * A validated, fully resolved spec: the same {@link Pipeline} a Java user would build, plus where
 * it came from. Both {@code kind: agent} and {@code kind: pipeline} files resolve to this one shape
 * (an agent is a one-box pipeline whose box is named after the spec), so the engine has a single
 * code path. Defaults and limits are the core's ({@link Box#DEFAULT_TIMEOUT},
 * {@link SandboxOptions#defaults()}), never the spec's own.
 *
 * <p>Guaranteed by {@link SpecLoader}: box names are unique and match
 * {@code [a-z0-9][a-z0-9_-]*}; every declared box runs in exactly one stage; a fan-out has at least
 * two boxes; relative mount, scenario and (existing) skill paths are resolved against
 * {@link #baseDir()}.
 *
 * @param kind       which kind of file this came from
 * @param pipeline   the pipeline to run; its name is the spec's {@code name} (also the VM name
 *                   prefix); stages in execution order (implicit one-box stages in declaration
 *                   order when the file has no {@code stages})
 * @param sourceFile the spec file (absolute)
 * @param observe    the {@code observe} block with its defaults, for whoever wires the exporters
 */
public record PipelineSpec(Kind kind, Pipeline pipeline, Path sourceFile, Observe observe) implements Spec {

    public PipelineSpec {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(pipeline, "pipeline");
        Objects.requireNonNull(sourceFile, "sourceFile");
        if (kind == Kind.WORKFLOW) throw new IllegalArgumentException("a workflow is a WorkflowSpec");
        Objects.requireNonNull(observe, "observe");
    }

    /** A spec without an {@code observe} block. */
    public PipelineSpec(Kind kind, Pipeline pipeline, Path sourceFile) {
        this(kind, pipeline, sourceFile, Observe.DEFAULTS);
    }

    /** The {@code kind} of a spec file. */
    public enum Kind {
        AGENT,
        PIPELINE,
        /** Programs in one box ({@link WorkflowSpec}); never the kind of a {@code PipelineSpec}. */
        WORKFLOW;

        /** The spelling in spec files: the name in lower case. */
        public String id() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** The spec's {@code name}. */
    @Override
    public String name() {
        return pipeline.name();
    }

    /** Every box, in stage order. */
    public List<Box> boxes() {
        return pipeline.boxes();
    }

    public List<Stage> stages() {
        return pipeline.stages();
    }

    /** The box called {@code name}, if any. */
    public Optional<Box> box(String name) {
        return boxes().stream().filter(b -> b.name().equals(name)).findFirst();
    }

    /** The directory relative paths in the spec (skills, mounts, scenarios) are resolved against. */
    @Override
    public Path baseDir() {
        Path parent = sourceFile.getParent();
        return parent != null ? parent : sourceFile.toAbsolutePath().getParent();
    }
}
