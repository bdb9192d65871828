package io.voidbox.spec;

import java.nio.file.Path;

/**
 * A validated, fully resolved spec file: either agent boxes to run as a pipeline
 * ({@link PipelineSpec}, {@code kind: agent | pipeline}) or programs to run as a workflow in one
 * box ({@link WorkflowSpec}, {@code kind: workflow}). A closed family, so a caller that runs
 * specs switches over it and the compiler checks that every kind is handled.
 */
public sealed interface Spec permits PipelineSpec, WorkflowSpec {

    /** Which kind of file this came from. */
    PipelineSpec.Kind kind();

    /** The spec's {@code name}. */
    String name();

    /** The spec file (absolute). */
    Path sourceFile();

    /** The {@code observe} block with its defaults (a workflow has none: the defaults). */
    default Observe observe() {
        return Observe.DEFAULTS;
    }

    /** The directory relative paths in the spec are resolved against. */
    default Path baseDir() {
        Path parent = sourceFile().getParent();
        return parent != null ? parent : sourceFile().toAbsolutePath().getParent();
    }
}
