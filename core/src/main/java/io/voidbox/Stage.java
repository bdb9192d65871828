package io.voidbox;

import java.util.List;

/** A step of a pipeline: one box, or boxes that run in parallel and whose outputs are joined. */
public sealed interface Stage {
    List<Box> boxes();

    record Single(Box box) implements Stage {
        public List<Box> boxes() {
            return List.of(box);
        }
    }

    record FanOut(List<Box> boxes) implements Stage {
        public FanOut {
            boxes = List.copyOf(boxes);
            if (boxes.size() < 2) throw new IllegalArgumentException("a fan-out needs at least 2 boxes");
        }
    }
}
