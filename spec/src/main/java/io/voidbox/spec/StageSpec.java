package io.voidbox.spec;

import java.util.List;

/** One step of a pipeline: a single box, or several boxes run concurrently on the same input. */
public sealed interface StageSpec {

    /** The boxes this stage runs, in declaration order. */
    List<String> boxes();

    /** {@code {type: box, name: X}}: runs box {@code box}. */
    record Single(String box) implements StageSpec {
        @Override
        public List<String> boxes() {
            return List.of(box);
        }
    }

    /**
     * {@code {type: fan_out, boxes: [X, Y]}}: runs at least two boxes concurrently; the next stage
     * receives their outputs as a JSON array in this order.
     */
    record FanOut(List<String> boxes) implements StageSpec {
        public FanOut {
            boxes = List.copyOf(boxes);
            if (boxes.size() < 2) {
                throw new IllegalArgumentException("a fan_out needs at least 2 boxes");
            }
        }
    }
}
