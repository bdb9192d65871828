package io.voidbox;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What a box hands on besides its result text, and what it takes from earlier boxes: the output
 * file that becomes the next stage's input, and named directories. After a box ends, each of its
 * {@link #outputs()} is copied out of its sandbox; a later box that names it in {@link #inputs()}
 * gets a copy at its own guest path before its agent starts. Guest paths are below
 * {@code /workspace}.
 *
 * @param outputFile the file (relative to the workspace) whose content is the box's output; empty:
 *                   the agent's final text
 * @param outputs    directories this box produces, by name
 * @param inputs     directories this box takes from boxes of earlier stages
 */
public record BoxFiles(Optional<String> outputFile, List<Output> outputs, List<Input> inputs) {

    /** No output file, nothing handed on or taken. */
    public static final BoxFiles NONE = new BoxFiles(Optional.empty(), List.of(), List.of());

    /** Where an output or input lives when the spec does not say (VoidBox's defaults). */
    public static final String DEFAULT_OUTPUT_GUEST = "/workspace/output";

    public static final String DEFAULT_INPUT_GUEST = "/workspace/input";

    public BoxFiles {
        Objects.requireNonNull(outputFile, "outputFile");
        outputs = List.copyOf(outputs);
        inputs = List.copyOf(inputs);
    }

    public BoxFiles withOutputFile(Optional<String> file) {
        return new BoxFiles(file, outputs, inputs);
    }

    /**
     * A directory a box produces.
     *
     * @param name  the name later boxes use in {@link Input#from()}; unique in a pipeline
     * @param guest the directory inside the box, below {@code /workspace}
     */
    public record Output(String name, String guest) {
        public Output {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(guest, "guest");
        }
    }

    /**
     * A directory taken from an earlier box.
     *
     * @param from  the {@link Output#name()} of an earlier box's output
     * @param guest where the copy goes inside this box, below {@code /workspace}
     */
    public record Input(String from, String guest) {
        public Input {
            Objects.requireNonNull(from, "from");
            Objects.requireNonNull(guest, "guest");
        }
    }
}
