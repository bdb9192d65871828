package io.voidbox;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.OptionalInt;

/**
 * A named sequence of stages, built fluently:
 * {@code Pipeline.named("analysis", a).pipe(b).fanOut(List.of(c, d)).pipe(reducer)}.
 * Immutable: every step returns a new pipeline. Run it with a configured {@link VoidBox}.
 *
 * @param maxParallel how many boxes may run at once (spec {@code pipeline.max_parallel}); empty:
 *                    as many as the host has room for (micro-VMs: cores and memory, see
 *                    {@code docs/architecture.md}); a fan-out wider than that is queued
 */
public record Pipeline(String name, List<Stage> stages, OptionalInt maxParallel) {

    public Pipeline {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(maxParallel, "maxParallel");
        if (maxParallel.isPresent() && maxParallel.getAsInt() < 1)
            throw new IllegalArgumentException(
                    "pipeline " + name + ": max_parallel must be at least 1, was " + maxParallel.getAsInt());
        stages = List.copyOf(stages);
        if (stages.isEmpty()) throw new IllegalArgumentException("pipeline " + name + " has no stages");
        var seen = new HashSet<String>();
        for (Stage s : stages)
            for (Box b : s.boxes())
                if (!seen.add(b.name()))
                    throw new IllegalArgumentException("pipeline " + name + ": box name '" + b.name() + "' used twice");
    }

    /** A pipeline with no limit of its own on parallel boxes. */
    public Pipeline(String name, List<Stage> stages) {
        this(name, stages, OptionalInt.empty());
    }

    public static Pipeline named(String name, Box first) {
        return new Pipeline(name, List.of(new Stage.Single(first)));
    }

    /** The same pipeline running at most {@code boxes} boxes at once (fan-out boxes beyond wait their turn). */
    public Pipeline maxParallel(int boxes) {
        return new Pipeline(name, stages, OptionalInt.of(boxes));
    }

    public Pipeline pipe(Box next) {
        return with(new Stage.Single(next));
    }

    public Pipeline fanOut(List<Box> parallel) {
        return with(new Stage.FanOut(parallel));
    }

    private Pipeline with(Stage s) {
        List<Stage> all = new ArrayList<>(stages);
        all.add(s);
        return new Pipeline(name, all, maxParallel);
    }

    public List<Box> boxes() {
        return stages.stream().flatMap(s -> s.boxes().stream()).toList();
    }
}
