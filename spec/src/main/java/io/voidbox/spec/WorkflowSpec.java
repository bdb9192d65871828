package io.voidbox.spec;

import io.voidbox.Workflow;
import java.nio.file.Path;
import java.util.Objects;

/**
 * A validated {@code kind: workflow} file: the same {@link Workflow} a Java user would build.
 *
 * <p>Guaranteed by {@link SpecLoader}: step names are unique and match {@code [a-z0-9][a-z0-9_-]*};
 * every {@code depends_on}, {@code stdin_from} and {@code output_step} names a step; the steps
 * form no cycle.
 *
 * @param workflow   the workflow to run; its name is the spec's {@code name}
 * @param sourceFile the spec file (absolute)
 */
public record WorkflowSpec(Workflow workflow, Path sourceFile) implements Spec {

    public WorkflowSpec {
        Objects.requireNonNull(workflow, "workflow");
        Objects.requireNonNull(sourceFile, "sourceFile");
    }

    @Override
    public PipelineSpec.Kind kind() {
        return PipelineSpec.Kind.WORKFLOW;
    }

    @Override
    public String name() {
        return workflow.name();
    }
}
