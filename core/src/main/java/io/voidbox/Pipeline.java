package io.voidbox;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;

/**
 * A named sequence of stages, built fluently:
 * {@code Pipeline.named("analysis", a).pipe(b).fanOut(List.of(c, d)).pipe(reducer)}.
 * Immutable: every step returns a new pipeline. Run it with a configured {@link VoidBox}.
 */
public record Pipeline(String name, List<Stage> stages) {

    public Pipeline {
        Objects.requireNonNull(name, "name");
        stages = List.copyOf(stages);
        if (stages.isEmpty()) throw new IllegalArgumentException("pipeline " + name + " has no stages");
        var seen = new HashSet<String>();
        for (Stage s : stages)
            for (Box b : s.boxes())
                if (!seen.add(b.name()))
                    throw new IllegalArgumentException("pipeline " + name + ": box name '" + b.name() + "' used twice");
    }

    public static Pipeline named(String name, Box first) {
        return new Pipeline(name, List.of(new Stage.Single(first)));
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
        return new Pipeline(name, all);
    }

    public List<Box> boxes() {
        return stages.stream().flatMap(s -> s.boxes().stream()).toList();
    }
}
