package io.voidbox.spec;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * A validated, fully resolved spec: what the engine runs. Both {@code kind: agent} and
 * {@code kind: pipeline} files resolve to this one shape (an agent is a one-box pipeline whose box
 * is named after the spec), so the engine has a single code path.
 *
 * <p>Invariants (guaranteed by {@link SpecLoader}): box names are unique and match
 * {@code [a-z0-9][a-z0-9_-]*}; every box is referenced by exactly one stage; every stage references
 * existing boxes; a fan-out has at least two boxes.
 *
 * @param name       the spec's {@code name}, also used as VM name prefix
 * @param kind       which kind of file this came from
 * @param boxes      boxes in declaration order, with effective (merged, defaulted) settings
 * @param stages     stages in execution order; implicit one-box stages in declaration order when the
 *                   file has no {@code stages}
 * @param sourceFile the spec file (absolute); relative skill paths resolve against its directory
 */
public record PipelineSpec(String name, Kind kind, List<BoxSpec> boxes, List<StageSpec> stages, Path sourceFile) {

    /** The {@code kind} of a spec file. */
    public enum Kind {
        AGENT("agent"), PIPELINE("pipeline");

        private final String id;

        Kind(String id) {
            this.id = id;
        }

        /** The spelling in spec files. */
        public String id() {
            return id;
        }
    }

    public PipelineSpec {
        boxes = List.copyOf(boxes);
        stages = List.copyOf(stages);
        Set<String> names = new HashSet<>();
        for (BoxSpec box : boxes) {
            if (!names.add(box.name())) {
                throw new IllegalArgumentException("duplicate box name " + box.name());
            }
        }
        for (StageSpec stage : stages) {
            for (String box : stage.boxes()) {
                if (!names.contains(box)) {
                    throw new IllegalArgumentException("stage references unknown box " + box);
                }
            }
        }
    }

    /** The box called {@code name}, if any. */
    public Optional<BoxSpec> box(String name) {
        return boxes.stream().filter(b -> b.name().equals(name)).findFirst();
    }

    /** The directory relative paths in the spec (skills, mounts, scenarios) are resolved against. */
    public Path baseDir() {
        Path parent = sourceFile.getParent();
        return parent != null ? parent : sourceFile.toAbsolutePath().getParent();
    }
}
